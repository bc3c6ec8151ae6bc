/**
 * Bad input never crashes or hangs the config pipeline, and every problem can
 * be traced to a file and line. Mutations are reproducible: a failure prints
 * its seed and the mutated text is written next to the report.
 */
import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readConfigTree, buildConfig, type Diagnostic } from '@keepalived-ts/core';
import { debianSamples, fixtures, ourKeepalived } from '../lib/paths.js';

/** keepalived's summary lines: they follow the located line that caused them. */
const SUMMARY_LINES = [
  /^Non-existent interface specified in configuration$/,
  /^SECURITY VIOLATION - /,
  /^Sync group \S+ has no virtual router\(s\)\. removing$/,
  /^\S+ and \S+ both use VRID \d+ /,
  /^\(\S+\) duplicate VRID conflict with /,
  /^use_vmac or no_accept\/strict specified, but no firewall configured/,
];

function untraceable(d: Diagnostic): boolean {
  if (d.loc || d.origin) return false;
  return !SUMMARY_LINES.some((re) => re.test(d.message));
}

/** mulberry32: a tiny seeded PRNG so every mutation can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const GARBAGE = ['{', '}', '"', '!', '#', '\\', '$X', '${', '@', '~SEQ(', 'include', '\u0000', '\u00ff\u00fe', 'vrrp_instance', '999999999999'];

function mutate(text: string, rnd: () => number): string {
  const lines = text.split('\n');
  const pick = (n: number) => Math.floor(rnd() * n);
  const ops = 1 + pick(4);
  for (let k = 0; k < ops; k++) {
    if (lines.length === 0) lines.push('');
    const i = pick(lines.length);
    const words = lines[i]!.split(/(\s+)/);
    switch (pick(7)) {
      case 0: // delete a token
        if (words.length) words.splice(pick(words.length), 1);
        lines[i] = words.join('');
        break;
      case 1: // duplicate a token
        if (words.length) { const j = pick(words.length); words.splice(j, 0, words[j]!); }
        lines[i] = words.join('');
        break;
      case 2: { // swap two tokens on the line
        const a = pick(words.length), b = pick(words.length);
        [words[a], words[b]] = [words[b]!, words[a]!];
        lines[i] = words.join('');
        break;
      }
      case 3: lines.splice(i, 1); break; // delete a line
      case 4: lines.splice(i, 0, lines[pick(lines.length)]!); break; // duplicate a line elsewhere
      case 5: lines[i] = `${lines[i]} ${GARBAGE[pick(GARBAGE.length)]}`; break;
      default: { // swap two lines
        const j = pick(lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
    }
  }
  return lines.join('\n');
}

const work = mkdtempSync(join(tmpdir(), 'ka-fuzz-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

const seeds: { name: string; text: string }[] = [];
for (const f of readdirSync(join(fixtures, 'configtest'))) seeds.push({ name: f, text: readFileSync(join(fixtures, 'configtest', f), 'latin1') });
for (const f of readdirSync(debianSamples)) {
  if (f.startsWith('keepalived.conf')) seeds.push({ name: f, text: readFileSync(join(debianSamples, f), 'latin1') });
}

const MUTATIONS_PER_SEED = Number(process.env.KA_FUZZ_MUTATIONS ?? 60);
const baseSeed = Number(process.env.KA_FUZZ_SEED ?? 20261122);

t.test(`${seeds.length} configs x ${MUTATIONS_PER_SEED} mutations: no throw, every diagnostic traceable`, (t) => {
  const file = join(work, 'mutated.conf');
  let runs = 0;
  let failures = 0;
  for (const [s, seed] of seeds.entries()) {
    for (let m = 0; m < MUTATIONS_PER_SEED; m++) {
      const caseSeed = baseSeed + s * 1000 + m;
      const text = mutate(seed.text, prng(caseSeed));
      writeFileSync(file, text, 'latin1');
      try {
        const read = readConfigTree(file, { configId: 'fuzz' });
        const built = read.configMissing ? undefined : buildConfig(read.tree, { interfaceExists: (n) => n === 'eth0' });
        const bad = [...read.diagnostics, ...(built?.diagnostics ?? [])].filter(untraceable);
        if (bad.length) {
          failures++;
          writeFileSync(join(work, `untraceable-${caseSeed}.conf`), text, 'latin1');
          t.fail(`seed ${caseSeed} (${seed.name}): diagnostics without file/line`, { found: bad.map((d) => d.message) });
        }
      } catch (e) {
        failures++;
        t.fail(`seed ${caseSeed} (${seed.name}) threw: ${(e as Error).stack}`);
      }
      runs++;
      if (failures > 10) break;
    }
  }
  t.ok(runs >= seeds.length * Math.min(MUTATIONS_PER_SEED, 1), `${runs} mutated configs parsed`);
  t.end();
});

/** Pathological files, end to end through bin/keepalived -t: an exit code, never a signal or a hang. */
function configTest(conf: string, extra: string[] = []) {
  const r = spawnSync(ourKeepalived, ['-t', ...extra, '-f', conf], { encoding: 'latin1', timeout: 60_000 });
  return { code: r.status, signal: r.signal, stderr: r.stderr ?? '', timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' };
}
const configTestCodes = [0, 4, 5, 6];

t.test('pathological files end to end', (t) => {
  const cases: { name: string; make: () => string; expectLocated?: RegExp }[] = [
    { name: 'binary garbage', make: () => { const p = join(work, 'garbage.conf'); const r = prng(7); writeFileSync(p, Buffer.from(Array.from({ length: 65536 }, () => Math.floor(r() * 256)))); return p; } },
    { name: '1,000-deep nesting', make: () => { const p = join(work, 'deep.conf'); writeFileSync(p, 'global_defs {\n' + 'x {\n'.repeat(1000) + '}\n'.repeat(1001)); return p; } },
    { name: '10 MB file', make: () => { const p = join(work, 'big.conf'); writeFileSync(p, 'global_defs {\n' + '  router_id big\n'.repeat(700_000) + '}\n'); return p; } },
    {
      name: 'include loop', expectLocated: /include/i,
      make: () => {
        const a = join(work, 'loop-a.conf'), b = join(work, 'loop-b.conf');
        writeFileSync(a, `include ${b}\n`);
        writeFileSync(b, `include ${a}\n`);
        return a;
      },
    },
    {
      name: 'unreadable include (a directory where a file was expected, and a dangling link)', make: () => {
        const d = join(work, 'incdir'); mkdirSync(d, { recursive: true });
        const link = join(work, 'dangling.conf');
        try { symlinkSync(join(work, 'nowhere'), link); } catch { /* exists from a previous case */ }
        const p = join(work, 'unreadable.conf');
        writeFileSync(p, `include ${d}\ninclude ${link}\nglobal_defs {\n router_id x\n}\n`);
        return p;
      },
    },
  ];
  for (const c of cases) {
    const conf = c.make();
    for (const extra of [[], ['-e']]) {
      const r = configTest(conf, extra);
      t.notOk(r.timedOut, `${c.name} ${extra.join(' ')}: finished`);
      t.equal(r.signal, null, `${c.name} ${extra.join(' ')}: not killed by a signal`);
      t.ok(configTestCodes.includes(r.code ?? -1), `${c.name} ${extra.join(' ')}: a -t exit code (${r.code})`);
      t.notMatch(r.stderr, /at .*\.js:\d+/, `${c.name}: no stack trace`);
      for (const line of r.stderr.split('\n').filter((l) => l && !/^There are \d+ missing/.test(l))) {
        if (!/^\(.+: Line \d+\) /.test(line) && !SUMMARY_LINES.some((re) => re.test(line))) {
          t.fail(`${c.name}: a message without file and line: ${line}`);
        }
      }
      if (c.expectLocated) t.match(r.stderr, c.expectLocated, `${c.name}: reported`);
    }
  }
  t.end();
});
