/**
 * The 20 real `keepalived -t` cases (fixtures/configs/configtest.txt, captured
 * from keepalived 2.2.7): our diagnostics and exit code must equal keepalived's.
 * keepalived prints a message once per process that parses; we print it once.
 * Its first (parent) pass also omits the file name ("(Line N) ..."); that copy
 * is folded into the "(FILE: Line N) ..." one.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigTree } from '../src/config/reader/index.js';
import { buildConfig } from '../src/config/build.js';
import { formatDiagnostic } from '../src/config/diagnostics.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/configs');

interface Case { file: string; lines: string[]; exit: number }

function parseCapture(text: string): Case[] {
  const cases: Case[] = [];
  let cur: Case | undefined;
  for (const line of text.split('\n')) {
    const head = /^=== keepalived -t -f (\S+)$/.exec(line);
    const exit = /^\[exit code (\d+)\]$/.exec(line);
    if (head) cur = { file: head[1]!, lines: [], exit: -1 };
    else if (exit && cur) {
      cur.exit = Number(exit[1]);
      cases.push(cur);
      cur = undefined;
    } else if (cur && line !== '') cur.lines.push(line);
  }
  return cases;
}

/** keepalived's stderr, each message once, file-less parent copies folded in. */
export function normaliseKeepalivedOutput(lines: string[]): string[] {
  const uniq = [...new Set(lines)];
  return uniq.filter((l) => {
    const m = /^\(Line (\d+)\) (.*)$/.exec(l);
    return !(m && uniq.some((o) => o.endsWith(`: Line ${m[1]}) ${m[2]}`)));
  });
}

const cases = parseCapture(readFileSync(join(fixtures, 'configtest.txt'), 'utf8'));
t.equal(cases.length, 20, 'all 20 captured cases');

for (const c of cases) {
  t.test(c.file, async (t) => {
    const read = readConfigTree(c.file, { cwd: fixtures });
    const built = buildConfig(read.tree, { interfaceExists: (n) => n === 'eth0' || n === 'lo', validateSchema: true });
    const ours = [...read.diagnostics, ...built.diagnostics]
      .filter((d) => d.severity !== 'info')
      .map(formatDiagnostic);
    const exit = read.configMissing
      ? read.diagnostics.reduce((m, d) => Math.max(m, d.exitCode ?? 0), 0)
      : Math.max(built.exitCode, ...read.diagnostics.map((d) => d.exitCode ?? 0));
    const expected = normaliseKeepalivedOutput(c.lines);
    // the reader reports brace problems after our keyword messages in keepalived's output order
    t.same([...ours].sort(), [...expected].sort(), 'same messages');
    t.same(ours.filter((l) => !/[{}]/.test(l)), expected.filter((l) => !/[{}]/.test(l)), 'same order');
    t.equal(exit, c.exit, 'same exit code');
  });
}
