/**
 * bench/failover: VRRP failover of our keepalived and Debian's keepalived
 * 2.2.7 in the same run. See run.sh for the knobs. Prints per scenario and
 * implementation min / median / max of the time from the stop of the master
 * to the VIP on the backup and to the backup's first gratuitous ARP, the CPU
 * and RSS of the master's VRRP child with many instances, the adverts'
 * interval spread on the wire, and the targets met or missed.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { runCpu, type CpuResult } from './cpu.js';
import { cleanStopTable, cpuTable, failoverTable, intervalTable, num, summary, targetLines, type Target } from './report.js';
import { runBlock, type BlockResult, type Scenario, type StopKind } from './scenario.js';
import type { Impl } from './topology.js';

const env = process.env;
const intEnv = (name: string, dflt: number): number => {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number (got ${v})`);
  return n;
};

const OURS = env['OURS'] ?? 'bin/keepalived';
const THEIRS = env['KEEPALIVED'] ?? '/usr/sbin/keepalived';
const RUNS = intEnv('RUNS', 20);

/** RUNS_V2_1, RUNS_V3_0_1, RUNS_V3_0_01 override RUNS for one advert setting (crash and clean). */
function runsFor(version: number, advertInt: string): number {
  return intEnv(`RUNS_V${version}_${advertInt.replace('.', '_')}`, RUNS);
}

const SETTINGS: ReadonlyArray<{ version: 2 | 3; advertInt: string }> = [
  { version: 2, advertInt: '1' }, { version: 3, advertInt: '0.1' }, { version: 3, advertInt: '0.01' },
];
const STOPS: readonly StopKind[] = ['crash', 'clean'];

function scenarios(): Scenario[] {
  const only = (env['SCENARIOS'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const all = SETTINGS.flatMap((st) => STOPS.map((stop) => ({
    name: `v${st.version}-${st.advertInt}-${stop}`, version: st.version, advertInt: st.advertInt, stop, runs: runsFor(st.version, st.advertInt),
  })));
  return all.filter((s) => s.runs > 0 && (only.length === 0 || only.includes(s.name)));
}

/** The host's 1/5/15-minute load: other work on the 2 cores shows up as outliers in both columns. */
const loadavg = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

const log = (t: string): void => {
  if (env['VERBOSE'] !== '0') process.stderr.write(`${t}\n`);
};

async function main(): Promise<number> {
  const impls: Array<{ impl: Impl; binary: string }> = [{ impl: 'ours', binary: OURS }, { impl: 'keepalived', binary: THEIRS }];
  for (const i of impls) if (!existsSync(i.binary)) throw new Error(`${i.impl}: ${i.binary} not found`);

  const startLoad = loadavg();
  const blocks: BlockResult[] = [];
  for (const s of scenarios()) {
    for (const i of impls) {
      log(`== ${s.name} (${s.runs} runs): ${i.impl} (load average ${loadavg()})`);
      blocks.push(await runBlock(s, i.impl, i.binary, log));
    }
  }

  const cpuSeconds = intEnv('CPU_SECONDS', 30);
  const cpuOpts = { instances: intEnv('CPU_INSTANCES', 200), version: 3 as const, advertInt: '0.1', seconds: cpuSeconds, captureSeconds: intEnv('CAPTURE_SECONDS', 5) };
  const cpuLabel = `v3 0.1 s, ${cpuOpts.instances} inst`;
  const cpu: CpuResult[] = [];
  if (cpuSeconds > 0) {
    for (const i of impls) {
      log(`== CPU (load average ${loadavg()}): ${cpuOpts.instances} instances at v3 advert ${cpuOpts.advertInt} s for ${cpuSeconds} s: ${i.impl}`);
      cpu.push(await runCpu(cpuOpts, i.impl, i.binary, log));
    }
  }

  const out: string[] = [];
  out.push('', `host: ${os.cpus().length} cores, load average at the end ${loadavg()} (at the start ${startLoad})`);
  out.push(`bench/failover: ours (${OURS}) vs keepalived (${THEIRS}); times from the stop of A (SIGKILL of the VRRP child then the parent = crash, SIGTERM to the parent = clean) to B holding the VIP (ip monitor) and to B's first GARP (observer capture, kernel timestamp)`);
  out.push('', failoverTable(blocks));
  const split = cleanStopTable(blocks);
  if (split) out.push('', split);
  out.push('flaps: B took the VIP while A was alive and master (between the restore and the stop); that run waits for A to win back first.');
  if (cpu.length) {
    out.push('', cpuTable(cpu, `CPU / RSS of the VRRP child over ${cpuSeconds} s: ${cpuOpts.instances} instances at v3 advert ${cpuOpts.advertInt} s (${Math.round(cpuOpts.instances / Number(cpuOpts.advertInt))} adverts/s from A)`));
  }
  out.push('', 'Advert interval on the wire (observer capture of A while master): a proxy for the VRRP loop\'s timer lateness, same for both');
  out.push(intervalTable(blocks, cpu, cpuLabel, Number(cpuOpts.advertInt) * 1000));
  const oursCpu = cpu.find((c) => c.impl === 'ours');
  out.push('', `timer lateness of our VRRP loop over the CPU window (keepalived --status; keepalived itself has no such counter): ${
    oursCpu && oursCpu.latenessLines.length ? `\n  ${oursCpu.latenessLines.join('\n  ')}` : 'n/a (the CPU part did not run: CPU_SECONDS=0)'}`);

  const failed = [...blocks.filter((b) => b.failures.length), ...cpu.filter((c) => c.failures.length)];
  for (const f of failed) {
    const name = 'scenario' in f ? `${f.scenario.name} ${f.impl}` : `cpu ${f.impl}`;
    out.push(`failures ${name}: ${f.failures.slice(0, 5).join('; ')}${f.failures.length > 5 ? ` (+${f.failures.length - 5} more)` : ''}`);
  }

  const block = (name: string, impl: Impl): BlockResult | undefined => blocks.find((b) => b.scenario.name === name && b.impl === impl);
  const vip = (name: string, impl: Impl): ReturnType<typeof summary> => summary(block(name, impl)?.vipMs ?? []);
  const targets: Target[] = [
    { what: 'v3 0.01 crash, VIP median ms', ours: vip('v3-0.01-crash', 'ours').median, limit: 38, reference: `keepalived here ${num(vip('v3-0.01-crash', 'keepalived').median)}, issue 36` },
    { what: 'v3 0.01 crash, VIP max ms', ours: vip('v3-0.01-crash', 'ours').max, limit: 40, reference: `keepalived here ${num(vip('v3-0.01-crash', 'keepalived').max)}, issue 42` },
    { what: 'v3 0.01 clean stop, VIP median ms', ours: vip('v3-0.01-clean', 'ours').median, limit: 8, reference: `keepalived here ${num(vip('v3-0.01-clean', 'keepalived').median)}, issue 10` },
  ];
  const theirsCpu = cpu.find((c) => c.impl === 'keepalived');
  targets.push({
    what: `CPU of the master's VRRP child, ${cpuLabel}, % of a core`, ours: oursCpu?.cpuA ?? NaN, limit: theirsCpu?.cpuA ?? NaN,
    reference: 'limit = keepalived in this run; issue measured 8.5',
  });
  out.push('', targetLines(targets), '');
  process.stdout.write(out.join('\n'));
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`bench/failover: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
