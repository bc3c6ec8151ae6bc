/**
 * Pure helpers for conformance/test/lvs-e2e.test.ts: parse the guest's JSON lines and
 * keepalived 2.2.7's reference artifacts (reference/), and put both into comparable form
 * (ipvsadm connection counters, log timestamps, pids and CPU times masked).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '../lib/paths.js';

export const referenceDir = resolve(repoRoot, 'conformance/lvs-e2e/reference');
export const guestScript = resolve(repoRoot, 'conformance/lvs-e2e/run-in-vm.sh');

/** The scenario's phases, named as the reference's ipvsadm snapshots. */
export const PHASES = [
  '01-all-up',
  '02-rs1-http-down',
  '03-rs3-misc-down',
  '04-all-down-sorry',
  '05-restored',
  '06-after-reload1-weight',
  '07-after-reload2-rs3-removed',
  '08-after-stop',
] as const;
export type Phase = (typeof PHASES)[number];

/**
 * How many lvs_notify_fifo lines (and, one for one, notify-script runs) each phase
 * produced in the reference run; read from its log (README section 3/4): startup VS UP x2,
 * rs1 down, rs3 down, rs2 inhibited + quorum lost + fwmark rs2 down, five ups on restore,
 * nothing for a weight change, rs3 removed by reload, omega VS on stop.
 */
export const REFERENCE_EVENTS_PER_PHASE: Record<Phase, number> = {
  '01-all-up': 2,
  '02-rs1-http-down': 1,
  '03-rs3-misc-down': 1,
  '04-all-down-sorry': 3,
  '05-restored': 5,
  '06-after-reload1-weight': 0,
  '07-after-reload2-rs3-removed': 1,
  '08-after-stop': 3,
};

export interface PhaseReport {
  phase: string;
  ms: number;
  Sn: string;
  Ln: string;
  fifo: string;
  notify: string;
  log: string;
  missed: string[];
}
export interface ClientReport {
  client: string;
  answers: string[];
}
export interface EndReport {
  phase: 'end';
  exitStatus: number;
  fifoMode: string;
  leftovers: string;
  fifo: string;
  notify: string;
  log: string;
}

export interface GuestOutput {
  phases: Map<string, PhaseReport>;
  clients: Map<string, string[]>;
  other: Map<string, Record<string, unknown>>;
  junk: string[];
}

export function parseGuestOutput(stdout: string): GuestOutput {
  const out: GuestOutput = { phases: new Map(), clients: new Map(), other: new Map(), junk: [] };
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch {
      out.junk.push(line);
      continue;
    }
    if (typeof v.client === 'string') out.clients.set(v.client, v.answers as string[]);
    else if (typeof v.phase === 'string' && typeof v.Sn === 'string') out.phases.set(v.phase, v as unknown as PhaseReport);
    else if (typeof v.phase === 'string') out.other.set(v.phase, v);
    else out.junk.push(line);
  }
  return out;
}

export const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

export function readReference(name: string): string {
  return readFileSync(resolve(referenceDir, name), 'utf8');
}

/** ipvsadm-snapshots.txt: "=== LABEL: ipvsadm -Ln|-Sn" blocks. */
export function parseSnapshots(text: string): Map<string, { Ln: string; Sn: string }> {
  const snaps = new Map<string, { Ln: string; Sn: string }>();
  const re = /^=== (\S+): ipvsadm -(Ln|Sn)\n([\s\S]*?)(?=^=== |(?![\s\S]))/gm;
  for (const m of text.matchAll(re)) {
    const label = m[1] as string;
    const s = snaps.get(label) ?? { Ln: '', Sn: '' };
    s[m[2] as 'Ln' | 'Sn'] = (m[3] as string).trimEnd();
    snaps.set(label, s);
  }
  return snaps;
}

/** `ipvsadm -Ln` with the connection counters (traffic-dependent) masked and padding collapsed. */
export function maskListing(ln: string): string {
  return lines(ln.trimEnd())
    .map((l) => {
      const m = /^(\s+->\s+\S+\s+\S+\s+\d+)\s+\d+\s+\d+\s*$/.exec(l);
      return (m ? `${m[1]} * *` : l).replace(/\s+/g, ' ').trimEnd();
    })
    .join('\n');
}

/**
 * One log line without what differs from run to run: the "%c: " console prefix, pids,
 * CPU times; continuation lines of the command line are joined by the caller if needed.
 */
export function maskLogLine(line: string): string {
  return line
    .replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, '')
    .replace(/pid=\d+/g, 'pid=N')
    .replace(/process\(\d+\)/g, 'process(N)')
    .replace(/\d+\.\d{6}/g, 'T');
}

/**
 * keepalived wraps its "Command line:" at a fixed width, so where the wrap falls depends on the
 * binary's path: join the continuation lines (masked lines that start with spaces and a quote)
 * back onto it to compare the arguments, not the layout.
 */
export function joinWrappedCommandLine(masked: string[]): string[] {
  const out: string[] = [];
  let inCommandLine = false;
  for (const l of masked) {
    if (inCommandLine && /^ +'/.test(l)) {
      out[out.length - 1] += ` ${l.trim()}`;
      continue;
    }
    inCommandLine = l.startsWith('Command line: ');
    out.push(l);
  }
  return out;
}

/** keepalived.annotated.log split at its "snapshot LABEL" markers: the lines of each phase. */
export function splitAnnotatedLog(text: string): Map<string, string[]> {
  const phases = new Map<string, string[]>();
  let current: string[] = [];
  for (const l of lines(text)) {
    const m = /^#### \[\+[\d.]+s\] snapshot (\S+)$/.exec(l);
    if (m) {
      phases.set(m[1] as string, current);
      current = [];
    } else if (!l.startsWith('#### ')) current.push(l);
  }
  return phases;
}

/** Consecutive slices of `items` with the given sizes, keyed by phase. */
export function sliceByPhase<T>(items: T[], counts: Record<Phase, number>): Map<Phase, T[]> {
  const out = new Map<Phase, T[]>();
  let at = 0;
  for (const p of PHASES) {
    out.set(p, items.slice(at, at + counts[p]));
    at += counts[p];
  }
  return out;
}

/** notify.sh's "HH:MM:SS argc=2 [A] [B]" without the time. */
export const stripNotifyTime = (l: string): string => l.replace(/^\d\d:\d\d:\d\d /, '');

/** Multiset difference in both directions. */
export function multisetDiff(ours: string[], ref: string[]): { onlyOurs: string[]; onlyReference: string[] } {
  const count = new Map<string, number>();
  for (const l of ref) count.set(l, (count.get(l) ?? 0) + 1);
  const onlyOurs: string[] = [];
  for (const l of ours) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else onlyOurs.push(l);
  }
  const onlyReference = [...count].flatMap(([l, n]) => Array<string>(n).fill(l));
  return { onlyOurs, onlyReference };
}

/**
 * FIFO lines grouped by the object they report ("RS <rs> <vs>" or "VS <vs>"): the
 * UP/DOWN sequence of each object is causal, the interleaving between objects is not.
 */
export function sequencesByObject(fifo: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const l of fifo) {
    const m = /^(.*) (UP|DOWN)$/.exec(l);
    const key = m ? (m[1] as string) : l;
    (out[key] ??= []).push(m ? (m[2] as string) : '?');
  }
  return out;
}

/** True when `answers` cycles through `servers`, each exactly once per round (rr). */
export function isRoundRobin(answers: string[], servers: string[]): boolean {
  if (answers.length < servers.length) return false;
  const first = answers.slice(0, servers.length);
  if ([...first].sort().join() !== [...servers].sort().join()) return false;
  return answers.every((a, i) => a === first[i % servers.length]);
}
