/** The service with its real timer heap, real probes, real notify scripts and a real FIFO file. */
import t from 'tap';
import net, { type AddressInfo } from 'node:net';
import { chmodSync, constants as fsConstants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthCheckService } from '../src/service.js';
import { buildChecker } from '../src/factory.js';
import { tcpPolicy } from '../src/epilog.js';
import type { DesiredTable } from '../src/desired-table.js';
import { MemoryLogger, waitFor } from './helpers.js';

async function listenOn(server: net.Server, port = 0): Promise<number> {
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

t.test('probes run on their own schedule; a hanging or never-settling checker delays nobody', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ckr-live-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fifoPath = join(dir, 'lvs.fifo');
  execFileSync('mkfifo', [fifoPath]);
  const notifyLog = join(dir, 'notify.txt');
  const notify = join(dir, 'notify.sh');
  writeFileSync(notify, `#!/bin/sh\nline="argc=$#"\nfor a in "$@"; do line="$line [$a]"; done\nprintf '%s\\n' "$line" >> ${notifyLog}\n`);
  chmodSync(notify, 0o755);

  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const mk = () =>
    net.createServer((s) => {
      accepted++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.end();
    });
  let up = mk();
  const upPort = await listenOn(up);
  const hang = net.createServer(() => {}); // accepts, never answers HTTP
  const hangPort = await listenOn(hang);
  t.teardown(() => {
    up.close();
    hang.close();
  });

  const logger = new MemoryLogger();
  const tables: DesiredTable[] = [];
  const svc = new HealthCheckService(
    {
      globals: { lvsNotifyFifo: fifoPath },
      virtualServers: [
        {
          ip: '127.0.0.1',
          port: 80,
          lbAlgo: 'rr',
          delayLoop: 0.1,
          realServers: [
            {
              ip: '127.0.0.1',
              port: upPort,
              notifyUp: `${notify} RS_UP one`,
              notifyDown: `${notify} RS_DOWN one`,
              checkers: [{ type: 'TCP_CHECK', connectPort: upPort, retry: 0, connectTimeout: 0.3 }],
            },
            {
              ip: '127.0.0.2',
              port: hangPort,
              checkers: [{ type: 'HTTP_GET', url: [{ path: '/' }], connectIp: '127.0.0.1', connectPort: hangPort, retry: 0, connectTimeout: 0.3 }],
            },
            { ip: '127.0.0.3', port: 1, checkers: [{ type: 'TCP_CHECK', retry: 0 }] },
          ],
        },
      ],
    },
    {
      logger,
      random: () => 0,
      bootstrapDelayMs: 0,
      dataPlane: { apply: async (d) => void tables.push(d) },
      // the third checker never settles: only the hard timeout ends it
      buildChecker: (cfg, ctx) =>
        cfg.dst.ip === '127.0.0.3'
          ? { checker: { type: 'TCP_CHECK', hardTimeoutMs: 200, check: () => new Promise(() => {}) }, policy: tcpPolicy }
          : buildChecker(cfg, ctx),
    },
  );
  // a reader on the FIFO, like keepalived's lvs_notify_fifo consumer
  const reader = readFifo(fifoPath);
  t.teardown(() => reader.stop());

  await svc.start();
  await waitFor(() => logger.lines.includes('Removing service [127.0.0.3]:tcp:1 from VS [127.0.0.1]:tcp:80'), 3000);
  await waitFor(() => logger.lines.includes(`Removing service [127.0.0.2]:tcp:${hangPort} from VS [127.0.0.1]:tcp:80`), 3000);
  t.ok(logger.lines.includes(`TCP connection to [127.0.0.1]:tcp:${upPort} success.`), 'first result logged');
  t.ok(logger.lines.includes(`HTTP_CHECK on service [127.0.0.2]:tcp:${hangPort} failed.`), 'hanging web server detected');
  const before = accepted;
  await new Promise((r) => setTimeout(r, 600));
  t.ok(accepted - before >= 3, `the healthy checker kept its 100 ms pace (${accepted - before} probes in 600 ms)`);

  // flap: the healthy server goes away and comes back
  await new Promise<void>((r) => {
    up.close(() => r());
    for (const s of sockets) s.destroy();
  });
  await waitFor(() => logger.lines.includes(`Removing service [127.0.0.1]:tcp:${upPort} from VS [127.0.0.1]:tcp:80`), 3000);
  t.ok(logger.lines.includes(`Lost quorum 1-0=1 > 0 for VS [127.0.0.1]:tcp:80`));
  up = mk();
  await listenOn(up, upPort);
  await waitFor(() => logger.lines.filter((l) => l.startsWith(`Adding service [127.0.0.1]:tcp:${upPort}`)).length === 1, 3000);
  await svc.flush();
  t.same(tables.at(-1)!.services[0]!.destinations, [{ address: '127.0.0.1', port: upPort, weight: 1, forwarding: 'NAT' }]);

  await svc.stop();
  await svc.settleNotifies();
  await waitFor(() => reader.text().split('\n').filter(Boolean).length >= 7, 2000);
  t.same(reader.text().split('\n').filter(Boolean), [
    'VS [127.0.0.1]:tcp:80 UP',
    `RS [127.0.0.3]:tcp:1 [127.0.0.1]:tcp:80 DOWN`,
    `RS [127.0.0.2]:tcp:${hangPort} [127.0.0.1]:tcp:80 DOWN`,
    `RS [127.0.0.1]:tcp:${upPort} [127.0.0.1]:tcp:80 DOWN`,
    'VS [127.0.0.1]:tcp:80 DOWN',
    `RS [127.0.0.1]:tcp:${upPort} [127.0.0.1]:tcp:80 UP`,
    'VS [127.0.0.1]:tcp:80 UP',
  ]);
  await waitFor(() => {
    try {
      return readFileSync(notifyLog, 'utf8').split('\n').filter(Boolean).length >= 2;
    } catch {
      return false;
    }
  }, 2000);
  t.same(readFileSync(notifyLog, 'utf8').split('\n').filter(Boolean), ['argc=2 [RS_DOWN] [one]', 'argc=2 [RS_UP] [one]'], 'argv is the configured words');
  t.same(tables.at(-1), { services: [] }, 'empty table after stop');
});

function readFifo(path: string): { text(): string; stop(): void } {
  let buf = '';
  // O_RDWR keeps the FIFO open without a writer, as the reference's `cat` did; a pipe
  // socket (not an fs stream) so no thread-pool read is left blocking at exit
  const fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
  const sock = new net.Socket({ fd, readable: true, writable: false });
  sock.on('data', (d: Buffer) => (buf += d.toString()));
  return { text: () => buf, stop: () => void sock.destroy() };
}
