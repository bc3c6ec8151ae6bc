/**
 * The command line against Debian's keepalived 2.2.7: every case in
 * fixtures/cli/getopt-cases.json (captured by capture-getopt-cases.py)
 * must give the same stdout, stderr, exit code and -tFILE contents.
 * The configuration layer is faked here to report a missing main file the
 * way the reader does, so this tests the CLI alone.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type MainIo } from '../src/cli/main.js';
import type { ConfigApi } from '../src/cli/config-api.js';
import type { Diagnostic } from '../src/config/diagnostics.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../test/fixtures/cli');

interface GoldenCase {
  args: string[];
  stdout: string;
  stderr: string;
  rc: number;
  files: Record<string, string>;
}
const golden = JSON.parse(fs.readFileSync(path.join(fixtures, 'getopt-cases.json'), 'utf8')) as {
  missingConfig: string;
  cases: GoldenCase[];
};

/** Stands in for config/reader on a missing file: keepalived's message, exit status 4 only with -e. */
function missingFileApi(): ConfigApi {
  return {
    async read(p, o) {
      const d: Diagnostic = { severity: 'error', message: `Config files missing '${p}'.`, exitCode: o.includeMissingIsError ? 4 : 0 };
      return { tree: { statements: [], files: [] }, diagnostics: [d] };
    },
    async build() {
      throw new Error('build must not run without files');
    },
  };
}

class Capture {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

export async function runCaptured(args: string[], extra: Partial<MainIo> = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const rc = await runCli(args, { argv0: 'keepalived', stdout, stderr, configApi: missingFileApi(), ...extra });
  return { rc, stdout: stdout.text, stderr: stderr.text };
}

const origCwd = process.cwd();
t.teardown(() => process.chdir(origCwd));

for (const c of golden.cases) {
  const name = c.args.map((a) => JSON.stringify(a)).join(' ');
  // -v is deliberately our own banner (see cli-version tests).
  if (c.args.includes('-v') || c.args.includes('--version')) continue;
  t.test(name, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-cli-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    process.chdir(dir);
    const r = await runCaptured(c.args);
    process.chdir(origCwd);
    // keepalived reads long_options[-1] for a long option missing its argument (undefined
    // behaviour: it prints "--X\x02"); we name the option instead.
    let expectedErr = c.stderr;
    const badLong = /Missing parameter for option --X\x02\n/;
    if (badLong.test(expectedErr)) {
      const longName = c.args.find((a) => a.startsWith('--'))!.slice(2);
      expectedErr = expectedErr.replace(badLong, `Missing parameter for option --${longName}\n`);
    }
    // Debian's build lacks --enable-log-file; we implement -g as that build does.
    expectedErr = expectedErr.replace('-g requires configure option --enable-log-file\n', '');
    t.equal(r.stdout, c.stdout, 'stdout');
    t.equal(r.stderr, expectedErr, 'stderr');
    t.equal(r.rc, c.rc, 'exit code');
    const files: Record<string, string> = {};
    for (const f of fs.readdirSync(dir).sort()) files[f] = fs.readFileSync(path.join(dir, f), 'latin1');
    t.same(files, c.files, '-t log files');
  });
}

t.test('-h prints help.txt byte for byte to stderr, exit 0', async (t) => {
  const help = fs.readFileSync(path.join(fixtures, 'help.txt'), 'utf8');
  for (const args of [['-h'], ['--help'], ['-n', '--he']]) {
    const r = await runCaptured(args);
    t.equal(r.stderr, help, args.join(' '));
    t.equal(r.stdout, '');
    t.equal(r.rc, 0);
  }
  const named = new Capture();
  await runCli(['-h'], { argv0: '/usr/sbin/keepalived', stderr: named, stdout: new Capture() });
  t.ok(named.text.startsWith('Usage: /usr/sbin/keepalived [OPTION...]\n'), 'argv[0] as given');
});

t.test('-tFILE that cannot be opened: keepalived message, exit 1', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const r = await runCaptured([`-t${dir}/no/such/dir/log`, '-f', golden.missingConfig]);
  t.equal(r.stderr, `Unable to open config-test log file ${dir}/no/such/dir/log 2 - No such file or directory\n`);
  t.equal(r.rc, 1);
});
