/**
 * Debian's keepalived 2.2.7 sample configurations: our `-t` exit code and
 * messages must equal the real keepalived's (captured in fixtures/configs/samples).
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigTree } from '../src/config/reader/index.js';
import { buildConfig } from '../src/config/build.js';
import { formatDiagnostic } from '../src/config/diagnostics.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/configs/samples');
const exitCodes = new Map(
  readFileSync(join(dir, 'expected-exit-codes.txt'), 'utf8').trim().split('\n').map((l) => {
    const [f, c] = l.split(' ');
    return [f!, Number(c)] as const;
  }),
);
/** The host the captures were made on. */
const interfaces = new Set(['lo', 'eth0', 'ifb0', 'ifb1']);

/**
 * keepalived reports a block's end-handler message at the closing brace's
 * line, which the tree does not record; compare those without the location.
 */
function comparable(line: string): string {
  return /No script set for vrrp_script/.test(line) ? line.replace(/^\([^)]*\) /, '') : line;
}

const samples = readdirSync(dir).filter((f) => f.startsWith('keepalived.conf.') && !f.endsWith('.stderr'));
t.equal(samples.length, exitCodes.size, 'a capture for every sample');

for (const file of samples) {
  t.test(file, async (t) => {
    const read = readConfigTree(file, { cwd: dir, configId: 'capture-host' });
    const built = buildConfig(read.tree, { interfaceExists: (n) => interfaces.has(n), scriptAccessible: (p) => p === 'killall' });
    const exit = Math.max(built.exitCode, ...read.diagnostics.map((d) => d.exitCode ?? 0));
    t.equal(exit, exitCodes.get(file), 'exit code');
    const ours = [...read.diagnostics, ...built.diagnostics].filter((d) => d.severity !== 'info').map(formatDiagnostic);
    const theirs = [...new Set(readFileSync(join(dir, `${file}.stderr`), 'utf8').split('\n').filter(Boolean))];
    t.same(ours.map(comparable), theirs.map(comparable), 'messages');
  });
}
