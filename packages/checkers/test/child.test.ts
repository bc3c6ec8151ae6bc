/**
 * The checker child as a process (packages/checkers/dist/src/child/main.js):
 * standalone (pid file, -d dump, SIGUSR1 data file, SIGHUP reload, SIGTERM)
 * and forked with the watchdog's IPC contract (ready, status with the data
 * plane, dump, reload -> reloaded, stop). A TCP server on 127.0.0.1 in this
 * process is the real server; this kernel has no IPVS, so the data plane is
 * 'unavailable' and the child keeps running.
 */
import t from 'tap';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'child', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'ckr-child-'));
const procs: ChildProcess[] = [];
const server = createServer((s) => s.end());
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as AddressInfo).port;
t.teardown(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  server.close();
  rmSync(work, { recursive: true, force: true });
});

const conf = join(work, 'keepalived.conf');
const confText = (extra = '') => `virtual_server 192.0.2.200 80 {
    delay_loop 1
    lb_algo rr
    protocol TCP
    real_server 127.0.0.1 ${port} {
        TCP_CHECK {
            connect_timeout 1
        }
    }
${extra}}
`;
writeFileSync(conf, confText());

class Output {
  lines: string[] = [];
  private buf = '';
  feed(b: Buffer): void {
    this.buf += b.toString();
    const parts = this.buf.split('\n');
    this.buf = parts.pop()!;
    for (const l of parts) this.lines.push(l.replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, ''));
  }
  async waitFor(re: RegExp, from = 0, ms = 8000): Promise<number> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.lines.findIndex((l, n) => n >= from && re.test(l));
      if (i >= 0) return i;
      if (Date.now() > end) throw new Error(`no ${re}; got:\n${this.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const exitOf = (p: ChildProcess) => new Promise<number | null>((r) => {
  if (p.exitCode !== null) r(p.exitCode);
  else p.once('exit', (c) => r(c));
});

t.test('a missing configuration file exits with NO_CONFIG (6)', async (t) => {
  const p = spawn(process.execPath, [MAIN, '-n', '-l', '-G', '-f', join(work, 'nope.conf')], { stdio: 'ignore' });
  procs.push(p);
  t.equal(await exitOf(p), 6);
});

t.test('standalone: pid file, -d, SIGUSR1, SIGHUP, SIGTERM', async (t) => {
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const pidFile = join(work, 'chk.pid');
  const out = new Output();
  const p = spawn(process.execPath, [MAIN, '-n', '-l', '-G', '-d', '-f', conf, '-c', pidFile], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp },
  });
  procs.push(p);
  p.stdout!.on('data', (b: Buffer) => out.feed(b));
  p.stderr!.on('data', (b: Buffer) => out.feed(b));
  const complete = await out.waitFor(/^Startup complete$/);
  t.equal(readFileSync(pidFile, 'utf8').trim(), String(p.pid), 'standalone writes its own pid file');
  const topology = await out.waitFor(/^------< LVS Topology >------$/);
  t.ok(topology > complete, '-d dumps after init_services');
  t.ok(out.lines.some((l) => /^IPVS: Can't initialize ipvs: .*ip_vs/.test(l)));
  await out.waitFor(/^TCP connection to \[127\.0\.0\.1\]:tcp:\d+ success\.$/);

  p.kill('SIGUSR1');
  await out.waitFor(new RegExp(`^Printing checker data for process\\(${p.pid}\\) on signal$`));
  const data = join(tmp, 'keepalived_check.data');
  for (let i = 0; i < 100 && !existsSync(data); i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(statSync(data).mode & 0o777, 0o600);
  t.match(readFileSync(data, 'utf8'), /RIP = 127\.0\.0\.1, RPORT = \d+, WEIGHT = 1[\s\S]*alive = 1/);

  writeFileSync(conf, confText(`    real_server 127.0.0.2 ${port} {\n        TCP_CHECK {\n        }\n    }\n`));
  const mark = out.lines.length;
  p.kill('SIGHUP');
  const reloading = await out.waitFor(/^Reloading$/, mark);
  const done = await out.waitFor(/^Reload complete$/, mark);
  t.ok(done > reloading);
  await out.waitFor(/^Activating healthchecker for service \[127\.0\.0\.2\]/, mark);
  writeFileSync(conf, confText());

  const stopMark = out.lines.length;
  p.kill('SIGTERM');
  t.equal(await exitOf(p), 0);
  t.ok(out.lines.slice(stopMark).some((l) => /^Shutting down service \[127\.0\.0\.1\]:tcp:\d+ from VS \[192\.0\.2\.200\]:tcp:80$/.test(l)));
  t.equal(out.lines.at(-1), 'Stopped');
  t.notOk(existsSync(pidFile), 'pid file removed');
});

t.test('forked: ready, status, dump, reload, stop over IPC', async (t) => {
  const tmp = mkdtempSync(join(work, 'tmp-'));
  const pidFile = join(work, 'forked.pid');
  const p = fork(MAIN, ['-n', '-G', '-f', conf, '-c', pidFile], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json', env: { ...process.env, TMPDIR: tmp },
  });
  procs.push(p);
  const messages: { type: string; [k: string]: unknown }[] = [];
  p.on('message', (m) => messages.push(m as { type: string }));
  const waitMsg = async (pred: (m: { type: string; [k: string]: unknown }) => boolean, ms = 8000) => {
    const end = Date.now() + ms;
    for (;;) {
      const m = messages.find(pred);
      if (m) return m;
      if (Date.now() > end) throw new Error(`no such message; got ${JSON.stringify(messages)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  await waitMsg((m) => m.type === 'ready');
  await new Promise((r) => setTimeout(r, 500)); // let the first checks run
  p.send({ type: 'status-request', id: 7 });
  const status = await waitMsg((m) => m.type === 'status' && m['id'] === 7) as unknown as { status: { dataPlane: string; role: string; virtualServers: unknown[] } };
  t.equal(status.status.role, 'checker');
  t.equal(status.status.dataPlane, 'unavailable');
  t.match(status.status.virtualServers, [{ service: '[192.0.2.200]:tcp:80', quorumUp: true }]);
  t.notOk(existsSync(pidFile), 'forked, the parent owns the pid file');

  p.send({ type: 'ping', seq: 7 });
  await waitMsg((m) => m.type === 'pong' && m['seq'] === 7);

  p.send({ type: 'dump', kind: 'data' });
  const data = join(tmp, 'keepalived_check.data');
  for (let i = 0; i < 200 && !existsSync(data); i++) await new Promise((r) => setTimeout(r, 20));
  t.ok(existsSync(data), 'dump data writes keepalived_check.data');

  p.send({ type: 'reload' });
  t.match(await waitMsg((m) => m.type === 'reloaded'), { ok: true });

  p.send({ type: 'stop' });
  t.equal(await exitOf(p), 0, 'a stop request ends the child with 0 (never a permanent error)');
});
