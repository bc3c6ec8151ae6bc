/**
 * Start-up lines and the -t / normal-start dispatch of runCli(), with the
 * configuration layers faked (their own tests cover them).
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFakeNative } from '@keepalived-ts/native';
import { runCli, configIdFromUname, type MainIo } from '../src/cli/main.js';
import type { ConfigApi } from '../src/cli/config-api.js';
import { commandLineLines, configFileLines, parseKernelRelease, startupLines, wrapOptionLines } from '../src/cli/startup.js';
import type { Uname } from '../src/cli/version.js';
import { versionText } from '../src/cli/version.js';
import type { Diagnostic } from '../src/config/diagnostics.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../test/fixtures/cli');
const CONSOLE_PREFIX = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}: /;

const stripPrefix = (line: string): string => line.replace(CONSOLE_PREFIX, '');
const capturedLines = (file: string): string[] =>
  fs.readFileSync(path.join(fixtures, file), 'utf8').trimEnd().split('\n').map(stripPrefix);

class Capture {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
  lines(): string[] {
    return this.text.trimEnd().split('\n');
  }
}

function fakeApi(files: string[], readDiags: Diagnostic[] = [], buildDiags: Diagnostic[] = []): ConfigApi & { dumped: unknown[] } {
  const dumped: unknown[] = [];
  return {
    dumped,
    async read() {
      return { tree: { statements: [], files }, diagnostics: readDiags };
    },
    async build() {
      return { config: { built: true }, diagnostics: buildDiags };
    },
    async dump(config) {
      dumped.push(config);
      return ['------< Global definitions >------', ' Router ID = node1'];
    },
  };
}

async function run(args: string[], io: Partial<MainIo> = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const rc = await runCli(args, {
    argv0: 'keepalived',
    stdout,
    stderr,
    native: createFakeNative().native,
    syslogPath: '/nonexistent/dev-log',
    ...io,
  });
  return { rc, stdout, stderr };
}

const debianVm: Uname = {
  sysname: 'Linux',
  release: '6.1.0-56-amd64',
  version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)',
  nodename: 'ckr-dir.example.org',
};
const host: Uname = { sysname: 'Linux', release: '6.18.44-fc-v657', version: '#1 SMP PREEMPT_DYNAMIC @0', nodename: 'h' };

const real = JSON.parse(fs.readFileSync(path.join(fixtures, 'startup-real.json'), 'utf8')) as {
  cases: { args: string[]; lines: string[]; rc: number }[];
};
const captureHost: Uname = { sysname: 'Linux', release: '6.18.44-fc-v509', version: '#1 SMP PREEMPT_DYNAMIC @0', nodename: 'h' };

for (const c of real.cases) {
  t.test(`whole console output equals keepalived 2.2.7 with a missing config: ${c.args.join(' ')}`, async (t) => {
    const missing: Diagnostic = { severity: 'error', message: `Config files missing '${c.args[c.args.indexOf('-f') + 1]}'.`, exitCode: 0 };
    const r = await run(c.args, { uname: captureHost, configApi: fakeApi([], [missing]) });
    const lines = r.stderr.lines();
    for (const l of lines) t.match(l, CONSOLE_PREFIX, 'console prefix is strftime %c');
    const cpu = /^CPU usage \(self\/children\) user: \d+\.\d{6}\/0\.000000 system: \d+\.\d{6}\/0\.000000$/;
    const mask = (l: string): string => (cpu.test(l) ? 'CPU usage' : l);
    t.same(lines.map(stripPrefix).map(mask), c.lines.map(mask));
    t.equal(r.rc, c.rc, 'exit code 6: no configuration');
  });
}

t.test('fo-a arguments: unimplemented options are announced, daemon start refused', async (t) => {
  const args = ['-n', '-l', '-D', '-G', '-f', 'fo/a.conf', '-p', 'fo-a.main.pid', '-r', 'fo-a.vrrp.pid', '-c', 'fo-a.chk.pid', '-b', 'fo-a.bfd.pid'];
  const r = await run(args, { uname: host, configApi: fakeApi(['fo/a.conf']) });
  const lines = r.stderr.lines().map(stripPrefix);
  t.same(lines.slice(-5), [
    "Opening file 'fo/a.conf'.",
    'Configuration file fo/a.conf',
    'keepalived-ts: the daemon (VRRP and health-checker processes) is not implemented yet - exiting',
    lines.at(-2),
    'Stopped Keepalived v2.2.7 (01/16,2022)',
  ]);
  t.match(lines.at(-2), /^CPU usage/);
  t.ok(lines.includes('keepalived-ts: -b/--bfd_pid: BFD is not implemented; no BFD child is started'));
  t.equal(r.rc, 1, 'exits non-zero while the daemon is missing');
});

t.test('start-up lines equal keepalived 2.2.7 captures (checkers: -n -l -D, syslog on)', async (t) => {
  const expected = capturedLines('startup-checkers.log');
  const args = ['-n', '-l', '-D', '-f', '/tmp/ckr/keepalived.conf', '-p', '/tmp/ckr/keepalived.pid', '-r', '/tmp/ckr/keepalived_vrrp.pid', '-c', '/tmp/ckr/keepalived_checkers.pid'];
  const fake = createFakeNative();
  const r = await run(args, { uname: debianVm, configApi: fakeApi(['/tmp/ckr/keepalived.conf']), native: fake.native });
  t.same(r.stderr.lines().map(stripPrefix).slice(0, expected.length), expected);
  const sent = fake.callsOf('sendto').map((a) => (a[1] as Buffer).toString());
  t.match(sent[0], /^<30>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d Keepalived\[\d+\]: Starting Keepalived v2\.2\.7 \(01\/16,2022\)$/);
  t.equal(sent.length, r.stderr.lines().length, 'every console line also went to syslog');
  t.same(fake.openFds(), [], 'syslog socket closed at exit');
});

t.test('console only with both -l and -n; -D decides "Opening file"', async (t) => {
  const noFork = await run(['-l', '-G', '-f', 'k.conf'], { uname: host, configApi: fakeApi(['k.conf']) });
  t.equal(noFork.stderr.text, '', '-l without -n: keepalived would have forked away from the console');
  const plain = await run(['-n', '-l', '-G', '-f', 'k.conf'], { uname: host, configApi: fakeApi(['k.conf', 'inc.conf']) });
  const lines = plain.stderr.lines().map(stripPrefix);
  t.ok(lines.includes('Configuration file k.conf'));
  t.notOk(lines.some((l) => l.startsWith('Opening file')), 'no -D');
});

t.test('-d dumps the built configuration through the log', async (t) => {
  const api = fakeApi(['k.conf']);
  const r = await run(['-n', '-l', '-G', '-d', '-f', 'k.conf'], { uname: host, configApi: api });
  t.same(api.dumped, [{ built: true }]);
  t.ok(r.stderr.lines().map(stripPrefix).includes(' Router ID = node1'));
});

t.test('normal start: config diagnostics are logged; no config files is exit 6', async (t) => {
  const missing: Diagnostic = { severity: 'error', message: "Config files missing 'nope.conf'.", exitCode: 0 };
  const r = await run(['-n', '-l', '-G', '-f', 'nope.conf'], { uname: host, configApi: fakeApi([], [missing]) });
  const lines = r.stderr.lines().map(stripPrefix);
  t.ok(lines.includes("Config files missing 'nope.conf'."));
  t.notOk(lines.some((l) => l.startsWith('Configuration file')));
  t.equal(r.rc, 6, 'KEEPALIVED_EXIT_NO_CONFIG');
});

t.test('startDaemon receives the parsed command line', async (t) => {
  let seen: unknown;
  const r = await run(['-n', '-G', '-i', 'node7', '-P'], {
    uname: host,
    startDaemon: async (ctx) => {
      seen = { configFile: ctx.configFile, configId: ctx.configId, checkers: ctx.options.daemons.checkers, argv0: ctx.argv0 };
      return 0;
    },
  });
  t.equal(r.rc, 0);
  t.same(seen, { configFile: '/etc/keepalived/keepalived.conf', configId: 'node7', checkers: false, argv0: 'keepalived' });
});

t.test('-t: diagnostics to stderr (or -tFILE), exit with the worst code', async (t) => {
  const loc = { file: 'conf/x.conf', line: 10 };
  const warn: Diagnostic = { severity: 'error', message: "Unknown keyword 'frobnicate'", loc, exitCode: 5 };
  const sec: Diagnostic = { severity: 'error', message: 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.', exitCode: 6 };
  const clean = await run(['-t', '-f', 'x.conf'], { configApi: fakeApi(['x.conf']) });
  t.same([clean.rc, clean.stderr.text, clean.stdout.text], [0, '', '']);
  const bad = await run(['-t', '-f', 'x.conf'], { configApi: fakeApi(['x.conf'], [warn], [sec]) });
  t.equal(bad.stderr.text, `(conf/x.conf: Line 10) Unknown keyword 'frobnicate'\n${sec.message}\n`);
  t.equal(bad.rc, 6);
  const only5 = await run(['-t', '-f', 'x.conf'], { configApi: fakeApi(['x.conf'], [warn]) });
  t.equal(only5.rc, 5);
  const facility = await run(['-S', 'local3', '-t', '-f', 'x.conf'], { configApi: fakeApi(['x.conf']) });
  t.equal(facility.rc, 5, "keepalived's -S parse error raises the config status");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const toFile = await run([`-t${dir}/out.log`, '-f', 'x.conf'], { configApi: fakeApi(['x.conf'], [warn]) });
  t.equal(toFile.stderr.text, '');
  t.equal(fs.readFileSync(`${dir}/out.log`, 'utf8'), "(conf/x.conf: Line 10) Unknown keyword 'frobnicate'\n");
  t.equal(toFile.rc, 5);
});

t.test('-t passes -i / host name and -e to the reader', async (t) => {
  const seen: unknown[] = [];
  const api = fakeApi(['x.conf']);
  const spy: ConfigApi = { ...api, read: async (p, o) => (seen.push([p, o]), api.read(p, o)) };
  await run(['-t', '-e', '-i', 'id1', '-f', 'x.conf'], { configApi: spy });
  await run(['-t'], { configApi: spy, uname: { ...host, nodename: 'lb1.example.org' } });
  t.same(seen, [
    ['x.conf', { configId: 'id1', includeMissingIsError: true }],
    ['/etc/keepalived/keepalived.conf', { configId: 'lb1', includeMissingIsError: false }],
  ]);
  t.equal(configIdFromUname({ ...host, nodename: 'plain' }), 'plain');
});

t.test('command line wrapping (log_options)', async (t) => {
  const long = 'x'.repeat(120);
  t.same(wrapOptionLines('Command line', `'${long}'`), [`Command line: '${'x'.repeat(87)}`, `${' '.repeat(14)}${'x'.repeat(33)}'`], 'a word longer than a line is cut');
  t.same(commandLineLines(['keepalived']), ["Command line: 'keepalived'"]);
  t.same(commandLineLines(['keepalived', '-n'], 2), ["  Command line: 'keepalived' '-n'"], 'indent');
  const exact = `'${'y'.repeat(86)}'`; // 88 characters: fits exactly
  t.same(wrapOptionLines('Command line', `${exact} 'z'`), [`Command line: ${exact}`, `${' '.repeat(14)}'z'`]);
});

t.test('kernel version line', async (t) => {
  t.same(startupLines(['k'], host).slice(0, 2), [
    'Starting Keepalived v2.2.7 (01/16,2022)',
    'Running on Linux 6.18.44-fc-v657 #1 SMP PREEMPT_DYNAMIC @0 (built for Linux 5.19.11)',
  ]);
  t.equal(
    startupLines(['k'], { ...host, release: '5.10.0-20-amd64', version: '#1 SMP' })[1],
    'WARNING - keepalived was built for newer Linux 5.19.11, running on Linux 5.10.0-20-amd64 #1 SMP',
  );
  t.equal(startupLines(['k'], { ...host, release: 'weird' })[1], 'Unable to parse kernel version weird');
  t.same(parseKernelRelease('5.19.11'), { major: 5, minor: 19, release: 11 });
  t.equal(parseKernelRelease('6.1'), undefined, 'keepalived needs three numbers');
});

t.test('configuration file lines', async (t) => {
  t.same(configFileLines('k.conf', ['k.conf', 'a.conf'], 1), ["Opening file 'k.conf'.", 'Configuration file k.conf', "Opening file 'a.conf'."]);
  t.same(configFileLines('k.conf', ['k.conf', 'a.conf'], 0), ['Configuration file k.conf']);
  t.same(
    configFileLines('k.conf', [path.resolve('k.conf'), '/etc/keepalived/inc/a.conf'], 1),
    ["Opening file 'k.conf'.", 'Configuration file k.conf', "Opening file '/etc/keepalived/inc/a.conf'."],
    'the main file as given with -f, as glob() returns it',
  );
});

t.test('-v banner: keepalived layout, honest about what runs', async (t) => {
  const text = versionText(host, 'Debian GNU/Linux 12 (bookworm)');
  const lines = text.split('\n');
  t.equal(lines[0], 'Keepalived v2.2.7 (keepalived-ts 0.1.0)');
  t.equal(lines[1], '');
  t.ok(lines.includes('Running on Linux 6.18.44-fc-v657 #1 SMP PREEMPT_DYNAMIC @0'));
  t.ok(lines.includes('Distro: Debian GNU/Linux 12 (bookworm)'));
  t.ok(lines.includes('Copyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>'));
  const r = await run(['-n', '--version', '-Q']);
  t.equal(r.rc, 0);
  t.equal(r.stdout.text, '');
  t.match(r.stderr.text, /^Keepalived v2\.2\.7 \(keepalived-ts 0\.1\.0\)\n/, 'to stderr like keepalived');
});
