/**
 * A child's uncaught exception must end it with PROGRAM_ERROR (70), which the
 * watchdog respawns; Node's own status 1 is keepalived's FATAL, on which the
 * parent would stop the whole daemon (VIPs included).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ExitCode, reportChildStatus } from '../src/index.js';

const crashExit = fileURLToPath(new URL('../src/process/crash-exit.js', import.meta.url));
const run = (body: string) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', `import { exitOnUncaught } from ${JSON.stringify(crashExit)};\n${body}`], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });

t.test('a thrown exception exits 70 and says why on stderr', async (t) => {
  const r = run(`exitOnUncaught('Keepalived_healthcheckers'); setTimeout(() => { throw new Error('boom'); }, 1);`);
  t.equal(r.status, ExitCode.PROGRAM_ERROR);
  t.match(r.stderr, /^Keepalived_healthcheckers: uncaught exception: Error: boom/);
  t.equal(reportChildStatus('Keepalived_healthcheckers', r.status, null).permanent, false, 'the watchdog respawns it');
});

t.test('an unhandled rejection exits 70, after logging through the logger', async (t) => {
  const r = run(`
const lines = [];
const log = { error: (m) => lines.push(m), close: async () => { process.stdout.write(lines.join('\\n')); } };
exitOnUncaught('Keepalived_vrrp', log);
Promise.reject(new Error('late'));`);
  t.equal(r.status, ExitCode.PROGRAM_ERROR);
  t.equal(r.stdout, 'Uncaught exception, exiting to be restarted: late');
});

t.test('without the handler Node would exit 1, which is permanent', async (t) => {
  const r = run(`setTimeout(() => { throw new Error('boom'); }, 1);`);
  t.equal(r.status, 1);
  t.equal(reportChildStatus('Keepalived_healthcheckers', r.status, null).permanent, true);
});

t.test("childStoppedLine: keepalived's log_stopping texts", async (t) => {
  const { childStoppedLine, childrenCpuTimes } = await import('../src/process/child-config.js');
  t.equal(childStoppedLine(0), 'Stopped');
  t.match(childStoppedLine(1), /^Stopped - used \d+\.\d{6} user time, \d+\.\d{6} system time$/);
  t.match(childStoppedLine(1, { user: 1_500_000, system: 20 }), /^Stopped - used \(self\/children\) \d+\.\d{6}\/1\.500000 user time, \d+\.\d{6}\/0\.000020 system time$/);
  t.match(childStoppedLine(1, { user: 0, system: 5 }), /^Stopped - used \d/, 'children without user time are left out, as keepalived does');
  t.same(childrenCpuTimes({ getrusage: () => [7, 8] } as never), { user: 7, system: 8 });
  t.equal(childrenCpuTimes(undefined), undefined);
  t.equal(childrenCpuTimes({ getrusage: () => { throw new Error('EINVAL'); } } as never), undefined);
});
