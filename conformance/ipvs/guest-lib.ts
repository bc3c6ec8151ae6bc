/**
 * Helpers for programs that run INSIDE the vm-run guest (a real IPVS kernel): ipvsadm in
 * the root or a named network namespace, table views to compare, JSON-line results.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Run {
  rc: number;
  out: string;
}

/** Runs a command (in network namespace `ns` when given); stdout+stderr together. */
export function run(argv: string[], opts: { ns?: string; input?: string } = {}): Run {
  const full = opts.ns ? ['ip', 'netns', 'exec', opts.ns, ...argv] : argv;
  const r = spawnSync(full[0]!, full.slice(1), { input: opts.input ?? '', encoding: 'utf8', maxBuffer: 1 << 28 });
  return { rc: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export function ipvsadm(args: string[], ns?: string, input?: string): Run {
  return run(['ipvsadm', ...args], { ...(ns ? { ns } : {}), ...(input !== undefined ? { input } : {}) });
}

/** `ipvsadm -R` from rule lines; rc and ipvsadm's complaints. */
export function restore(lines: string[], ns?: string): Run {
  return ipvsadm(['-R'], ns, lines.join('\n') + '\n');
}

/**
 * What ipvsadm shows of a table: -Sn (services, flags, persistence, pe, forwarding,
 * weights, tunnels) does not print thresholds, so the threshold and tunnel listings
 * are compared as well.
 */
export interface TableViews {
  save: string[];
  thresholds: string[];
  tunnels: string[];
}

const lines = (s: string): string[] => s.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');

export function tableViews(ns?: string): TableViews {
  return {
    save: lines(ipvsadm(['-Sn'], ns).out),
    thresholds: lines(ipvsadm(['-Ln', '--thresholds'], ns).out),
    tunnels: lines(ipvsadm(['-Ln', '--tun-info'], ns).out),
  };
}

export interface ViewDiff {
  equal: boolean;
  onlyOurs: string[];
  onlyTheirs: string[];
}

/** Line-exact comparison of every view; the differing lines of each side when not equal. */
export function compareViews(ours: TableViews, theirs: TableViews): ViewDiff {
  const a = [...ours.save, ...ours.thresholds, ...ours.tunnels];
  const b = [...theirs.save, ...theirs.thresholds, ...theirs.tunnels];
  const equal = JSON.stringify(a) === JSON.stringify(b);
  return { equal, onlyOurs: a.filter((l) => !b.includes(l)).slice(0, 20), onlyTheirs: b.filter((l) => !a.includes(l)).slice(0, 20) };
}

/** One result line for the host-side test. */
export function emit(check: string, ok: boolean, details: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ check, ok, ...details }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
}

/** Loaded IPVS modules (ip_vs, ip_vs_rr, ip_vs_pe_sip, ...). */
export function ipvsModules(): string[] {
  return readFileSync('/proc/modules', 'utf8').split('\n').map((l) => l.split(' ')[0]!).filter((m) => m.startsWith('ip_vs')).sort();
}

/**
 * A network namespace for a reference table. IPVS refuses a real server whose address
 * has no unicast route in the namespace (EINVAL), so the documentation ranges the suites
 * use get one through a dummy interface.
 */
export function newNetns(name: string): void {
  const steps = [
    ['ip', 'netns', 'add', name],
    ['ip', '-n', name, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', name, 'link', 'add', 'ref0', 'type', 'dummy'],
    ['ip', '-n', name, 'link', 'set', 'ref0', 'up'],
    ['ip', '-n', name, 'addr', 'add', '198.51.100.254/24', 'dev', 'ref0'],
    ['ip', '-n', name, 'addr', 'add', '192.0.2.254/24', 'dev', 'ref0'],
    ['ip', '-n', name, 'addr', 'add', '2001:db8::fffe/64', 'dev', 'ref0', 'nodad'],
  ];
  for (const argv of steps) {
    const r = run(argv);
    if (r.rc !== 0) throw new Error(`${argv.join(' ')}: ${r.out}`);
  }
}

export function delNetns(name: string): void {
  run(['ip', 'netns', 'del', name]);
}
