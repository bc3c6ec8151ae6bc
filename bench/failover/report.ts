/** The failover bench's printed tables and target lines. */
import { percentile } from '../lib.js';
import type { CpuResult } from './cpu.js';
import type { BlockResult } from './scenario.js';
import type { Impl } from './topology.js';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summary(xs: readonly number[]): { n: number; min: number; median: number; max: number } {
  return { n: xs.length, min: xs.length ? Math.min(...xs) : NaN, median: median(xs), max: xs.length ? Math.max(...xs) : NaN };
}

export const num = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

function triple(xs: readonly number[]): string {
  const s = summary(xs);
  const d = s.max >= 1000 ? 0 : 1;
  return `${num(s.min, d)} / ${num(s.median, d)} / ${num(s.max, d)}`;
}

const pad = (s: string, n: number): string => s.padEnd(n);
const lpad = (s: string, n: number): string => s.padStart(n);

export function failoverTable(blocks: readonly BlockResult[]): string {
  const rows = [
    `${pad('scenario', 16)} ${pad('impl', 11)} ${lpad('runs', 4)}  ${lpad('VIP on B ms min / median / max', 32)}  ${lpad('first GARP ms min / median / max', 34)} ${lpad('flaps', 5)}  failures`,
  ];
  for (const b of blocks) {
    rows.push(`${pad(b.scenario.name, 16)} ${pad(b.impl, 11)} ${lpad(String(b.scenario.runs), 4)}  ${lpad(triple(b.vipMs), 32)}  ${lpad(triple(b.garpMs), 34)} ${lpad(String(b.flaps), 5)}  ${b.failures.length}`);
  }
  return rows.join('\n');
}

/** Where a clean stop's time goes: A's goodbye (priority-0 advert) on the wire, then B's takeover after Skew_Time. */
export function cleanStopTable(blocks: readonly BlockResult[]): string {
  const clean = blocks.filter((b) => b.scenario.stop === 'clean' && b.goodbyeMs.length);
  if (!clean.length) return '';
  const rows = [
    'Clean stops, split at A\'s priority-0 advert on the wire (observer capture)',
    `${pad('scenario', 16)} ${pad('impl', 11)} ${lpad('stop -> prio 0 ms min / median / max', 38)}  ${lpad('prio 0 -> VIP on B ms min / median / max', 42)}`,
  ];
  for (const b of clean) {
    rows.push(`${pad(b.scenario.name, 16)} ${pad(b.impl, 11)} ${lpad(triple3(b.goodbyeMs), 38)}  ${lpad(triple3(b.goodbyeToVipMs), 42)}`);
  }
  return rows.join('\n');
}

function triple3(xs: readonly number[]): string {
  const s = summary(xs);
  return `${num(s.min, 2)} / ${num(s.median, 2)} / ${num(s.max, 2)}`;
}

/** Advert inter-arrival spread per block: the wire-level proxy for the VRRP loop's timer lateness. */
export function intervalTable(blocks: readonly BlockResult[], cpu: readonly CpuResult[], cpuLabel: string, cpuNominalMs: number): string {
  const rows = [
    `${pad('scenario', 22)} ${pad('impl', 11)} ${lpad('nominal ms', 10)} ${lpad('samples', 8)} ${lpad('p50 ms', 9)} ${lpad('p99 ms', 9)} ${lpad('max ms', 9)} ${lpad('p99 late ms', 11)} ${lpad('max late ms', 11)}`,
  ];
  const line = (name: string, impl: Impl, nominalMs: number, us: readonly number[]): void => {
    const ms = us.map((u) => u / 1000).sort((p, q) => p - q);
    const p99 = percentile(ms, 99);
    const max = ms.length ? ms[ms.length - 1]! : NaN;
    rows.push(`${pad(name, 22)} ${pad(impl, 11)} ${lpad(num(nominalMs, 2), 10)} ${lpad(String(ms.length), 8)} ${lpad(num(percentile(ms, 50), 2), 9)} ${lpad(num(p99, 2), 9)} ${lpad(num(max, 2), 9)} ${lpad(num(p99 - nominalMs, 2), 11)} ${lpad(num(max - nominalMs, 2), 11)}`);
  };
  const seen = new Set<string>();
  for (const b of blocks) {
    // crash and clean share the advert settings: one line per setting and implementation
    const key = `${b.scenario.version}-${b.scenario.advertInt}-${b.impl}`;
    const all = blocks.filter((o) => `${o.scenario.version}-${o.scenario.advertInt}-${o.impl}` === key).flatMap((o) => o.intervalsUs);
    if (seen.has(key)) continue;
    seen.add(key);
    line(`v${b.scenario.version} ${b.scenario.advertInt} s, 1 inst`, b.impl, Number(b.scenario.advertInt) * 1000, all);
  }
  for (const c of cpu) line(cpuLabel, c.impl, cpuNominalMs, c.intervalsUs);
  return rows.join('\n');
}

export function cpuTable(cpu: readonly CpuResult[], label: string): string {
  const rows = [`${label}`,
    `${pad('impl', 11)} ${lpad('CPU A (master) %', 17)} ${lpad('RSS A MiB', 10)} ${lpad('CPU B (backup) %', 17)} ${lpad('RSS B MiB', 10)} ${lpad('A sent pkt/s', 13)} ${lpad('held A/B', 9)} ${lpad('adverts from B', 15)} ${lpad('capture drops', 13)}  failures`];
  for (const c of cpu) {
    const mib = (kb: number | undefined): string => num((kb ?? NaN) / 1024, 1);
    rows.push(`${pad(c.impl, 11)} ${lpad(num(c.cpuA ?? NaN, 2), 17)} ${lpad(mib(c.rssKbA), 10)} ${lpad(num(c.cpuB ?? NaN, 2), 17)} ${lpad(mib(c.rssKbB), 10)} ${lpad(num(c.txRateA ?? NaN, 0), 13)} ${lpad(`${c.heldA ?? '?'}/${c.heldB ?? '?'}`, 9)} ${lpad(String(c.advertsFromB ?? '?'), 15)} ${lpad(String(c.captureDrops ?? '?'), 13)}  ${c.failures.join('; ')}`);
  }
  return rows.join('\n');
}

export interface Target {
  what: string;
  ours: number;
  limit: number;
  reference: string;
}

export function targetLines(targets: readonly Target[]): string {
  return targets.map((t) => {
    const verdict = !Number.isFinite(t.ours) || !Number.isFinite(t.limit) ? 'NOT MEASURED' : t.ours <= t.limit ? 'met' : 'MISSED';
    return `target ${t.what}: ours ${num(t.ours, 2)} <= ${num(t.limit, 2)} -> ${verdict} (${t.reference})`;
  }).join('\n');
}
