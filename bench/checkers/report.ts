/** Figures of one run and the side-by-side table. */
import type { DriftSummary } from '@keepalived-ts/checkers';

export interface KindFigures {
  connections: number;
  perSecond: number;
  servers: number;
  wire: DriftSummary;
}

export interface RunFigures {
  scenario: string;
  impl: 'ours' | 'keepalived';
  /** Why there are no figures (e.g. keepalived cannot run without IPVS). */
  unavailable?: string;
  cpuPercent?: number;
  /** The user-space part of cpuPercent (the rest is kernel time: connect, close, epoll). */
  userPercent?: number;
  rssKb?: number;
  /** Share of the window the checker child was runnable but waited for a CPU (other load on the host). */
  runQueuePercent?: number;
  windowSeconds?: number;
  tcp?: KindFigures;
  http?: KindFigures;
  /** The scheduler's own lateness of probe starts (ours only). */
  sched?: DriftSummary;
}

export const TARGET_CPU_PERCENT = 25;
export const TARGET_DRIFT_P99_MS = 50;

const ms = (us: number | undefined): string => (us === undefined ? 'n/a' : (us / 1000).toFixed(us < 10_000 ? 2 : 1));
const triple = (d: DriftSummary | undefined): string => (d ? `${ms(d.p50Us)} / ${ms(d.p99Us)} / ${ms(d.maxUs)}` : 'n/a');

function cell(r: RunFigures | undefined, f: (r: RunFigures) => string): string {
  if (!r) return '-';
  if (r.unavailable) return 'n/a';
  return f(r);
}

/** Rows of one scenario: ours beside keepalived. */
export function scenarioTable(title: string, ours: RunFigures | undefined, ka: RunFigures | undefined): string {
  const rows: Array<[string, (r: RunFigures) => string]> = [
    ['checker child CPU, % of one core', (r) => (r.cpuPercent ?? NaN).toFixed(1)],
    ['  of which user / system', (r) => `${(r.userPercent ?? NaN).toFixed(1)} / ${((r.cpuPercent ?? NaN) - (r.userPercent ?? NaN)).toFixed(1)}`],
    ['checker child RSS, MiB', (r) => ((r.rssKb ?? NaN) / 1024).toFixed(1)],
    ['waited for a CPU, % of the window', (r) => (r.runQueuePercent ?? NaN).toFixed(1)],
    ['TCP_CHECK probes/s (servers seen)', (r) => (r.tcp && r.tcp.connections ? `${r.tcp.perSecond} (${r.tcp.servers})` : '-')],
    ['HTTP_GET probes/s (servers seen)', (r) => (r.http && r.http.connections ? `${r.http.perSecond} (${r.http.servers})` : '-')],
    ['TCP wire drift p50/p99/max, ms', (r) => (r.tcp && r.tcp.connections ? triple(r.tcp.wire) : '-')],
    ['HTTP wire drift p50/p99/max, ms', (r) => (r.http && r.http.connections ? triple(r.http.wire) : '-')],
    ['scheduler drift p50/p99/max, ms', (r) => triple(r.sched)],
  ];
  const w0 = Math.max(...rows.map(([n]) => n.length)) + 2;
  const w = 26;
  const out = [title, `${''.padEnd(w0)}${'ours'.padEnd(w)}keepalived 2.2.7`];
  for (const [name, f] of rows) out.push(`${name.padEnd(w0)}${cell(ours, f).padEnd(w)}${cell(ka, f)}`);
  if (ka?.unavailable) out.push(`keepalived: ${ka.unavailable}`);
  if (ours?.unavailable) out.push(`ours: ${ours.unavailable}`);
  return out.join('\n');
}

/** Verdicts on our figures against the targets. */
export function targetLines(runs: RunFigures[]): string[] {
  const out: string[] = [];
  for (const r of runs) {
    if (r.impl !== 'ours' || r.unavailable) continue;
    if (r.scenario === 'tcp' && r.cpuPercent !== undefined) {
      const ok = r.cpuPercent < TARGET_CPU_PERCENT;
      out.push(`target CPU < ${TARGET_CPU_PERCENT} % for the TCP checks: ${r.cpuPercent.toFixed(1)} % ${ok ? 'MET' : 'MISSED'}`);
    }
    // Drift from the schedule is the scheduler's own measure; the wire interval also holds the
    // probe's duration and the listener's scheduling, so it only decides when there is nothing else.
    const wire = Math.max(r.tcp?.connections ? r.tcp.wire.p99Us : 0, r.http?.connections ? r.http.wire.p99Us : 0);
    const p99 = r.sched ? r.sched.p99Us : wire;
    const ok = p99 < TARGET_DRIFT_P99_MS * 1000;
    const source = r.sched ? `scheduler; wire ${ms(wire)} ms` : 'wire';
    out.push(`target drift p99 < ${TARGET_DRIFT_P99_MS} ms (${r.scenario}): ${ms(p99)} ms (${source}) ${ok ? 'MET' : 'MISSED'}`);
  }
  return out;
}
