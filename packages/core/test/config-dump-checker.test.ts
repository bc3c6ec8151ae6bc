/**
 * Checker and parent dumps against keepalived 2.2.7's USR1 files
 * (fixtures/dumps/{01-all-up,04-all-down-sorry}.keepalived_{check,parent}.data,
 * taken while running fixtures/dumps/checkers.conf). Runtime-only values are
 * fed in as keepalived had them; /bin/true resolves to /usr/bin/true there.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigTree } from '../src/config/reader/index.js';
import { buildConfig } from '../src/config/build.js';
import {
  dataFileForProcess, dumpForProcess, type CheckerDumpRuntime, type CheckerStateRuntime, type RealServerRuntime,
} from '../src/config/dump/index.js';

process.env.TZ = 'UTC';
const dir = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/dumps');
const ref = (name: string): string => readFileSync(join(dir, name), 'utf8');
const read = readConfigTree('checkers.conf', { cwd: dir });
const { config } = buildConfig(read.tree, { interfaceExists: () => true, scriptAccessible: () => true });
const resolveScriptPath = (p: string): string => (p === '/bin/true' ? '/usr/bin/true' : p);

const miscRan = { sec: 1795349027, usec: 636989 };
const allUp: CheckerDumpRuntime = {
  virtualServer: () => ({ alive: true, quorumUp: true }),
  realServer: (v, r) => {
    const w = config.virtualServers[v]!.realServers[r]!.weight;
    return { effectiveWeight: w, previousEffectiveWeight: 0, alive: true, numFailedCheckers: 0, set: true };
  },
  checker: (v, r) => {
    const base: CheckerStateRuntime = { enabled: true, up: true, hasRun: true, currentWeight: 0, retriesIterations: 0 };
    if (v === 0 && r === 2) return { ...base, miscLastRan: miscRan, miscLastStatus: 0 };
    if (v === 1 && r === 0) return { ...base, miscLastRan: { sec: 1795349028, usec: 159117 }, miscLastStatus: 0 };
    return base;
  },
};

t.test('01-all-up: keepalived_check.data byte for byte', async (t) => {
  const { file, text } = dataFileForProcess('checker', config, { checker: allUp, resolveScriptPath });
  t.equal(file, 'keepalived_check.data');
  t.equal(text, ref('01-all-up.keepalived_check.data'));
});

t.test('04-all-down-sorry: quorum lost, RSs down, failed URLs', async (t) => {
  const down: RealServerRuntime = { effectiveWeight: 1, previousEffectiveWeight: 0, alive: false, numFailedCheckers: 1, set: false };
  const rt: CheckerDumpRuntime = {
    virtualServer: (v) => ({ alive: true, quorumUp: v !== 0 }),
    realServer: (v, r) => {
      if (v === 0 && r === 0) return down;
      if (v === 0 && r === 1) return { ...down, set: true }; // inhibited: stays in IPVS at weight 0
      if (v === 0 && r === 2) return { ...down, numFailedCheckers: 2 };
      if (v === 1 && r === 1) return down;
      return allUp.realServer!(v, r);
    },
    checker: (v, r, c) => {
      const s = allUp.checker!(v, r, c)!;
      if (v === 0 && r === 0) return { ...s, up: false, retriesIterations: 2, failedUrl: '/health' };
      if (v === 0 && r === 1) return { ...s, up: false, retriesIterations: 2, failedUrl: '/index.html' };
      if (v === 0 && r === 2 && c === 0) return { ...s, up: false };
      if (v === 0 && r === 2) return { ...s, up: false, miscLastRan: { sec: 1795349049, usec: 702881 }, miscLastStatus: 1 };
      if (v === 1 && r === 0) return { ...s, miscLastRan: { sec: 1795349048, usec: 203223 } };
      return { ...s, up: false, retriesIterations: 1 };
    },
  };
  t.equal(dataFileForProcess('checker', config, { checker: rt, resolveScriptPath }).text, ref('04-all-down-sorry.keepalived_check.data'));
});

t.test('parent data file: global definitions as the parent holds them', async (t) => {
  const { file, text } = dataFileForProcess('parent', config);
  t.equal(file, 'keepalived_parent.data');
  t.equal(text, ref('01-all-up.keepalived_parent.data'));
  t.equal(text, ref('04-all-down-sorry.keepalived_parent.data'));
});

t.test('-d: the parent logs nothing, the checker its start-up state', async (t) => {
  t.same(dumpForProcess('parent', config), []);
  const lines = dumpForProcess('checker', config, { resolveScriptPath });
  t.equal(lines[0], '------< Global definitions >------');
  t.ok(lines.includes('------< Health checkers >------'));
  // before any check ran: not run yet, retries left = retry, MISC never ran
  t.ok(lines.includes('   Has run = no'));
  t.notOk(lines.includes('   Has run = yes'));
  t.ok(lines.includes('   Retries iterations = 1'));
  t.ok(lines.includes('   Last ran = 0.000000 (Thu Jan  1 00:00:00 1970.000000)'));
  t.ok(lines.includes('   quorum_state_up = 1'));
  t.notOk(lines.some((l) => l.includes('\n')), 'one log message per line');
});
