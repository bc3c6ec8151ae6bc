import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesiredTable } from '../src/desired-table.js';
import type { NotifyRunner } from '../src/notify.js';

/** test/fixtures lives next to the TypeScript sources; dist/test is two levels below the package. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export class MemoryLogger {
  lines: string[] = [];
  info(m: string): void {
    this.lines.push(m);
  }
  take(): string[] {
    const l = this.lines;
    this.lines = [];
    return l;
  }
}

export class MemoryFifo {
  lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  close(): void {}
}

export class RecordingNotifier implements NotifyRunner {
  calls: Array<{ command: string; stopping: boolean }> = [];
  async run(command: string, opts: { stopping: boolean }): Promise<void> {
    this.calls.push({ command, stopping: opts.stopping });
  }
}

/** The desired table in `ipvsadm -Sn` form, lines sorted (kernel order is not ours to promise). */
export function toIpvsadmSn(t: DesiredTable): string[] {
  const out: string[] = [];
  const fwd = { NAT: '-m', DR: '-g', TUN: '-i' } as const;
  for (const s of t.services) {
    const id = s.fwmark !== undefined ? `-f ${s.fwmark}` : `-${s.protocol === 'udp' ? 'u' : 't'} ${s.address}:${s.port}`;
    out.push(`-A ${id} -s ${s.scheduler}${s.persistenceTimeout ? ` -p ${s.persistenceTimeout}` : ''}`);
    for (const d of s.destinations) out.push(`-a ${id} -r ${d.address}:${d.port} ${fwd[d.forwarding]} -w ${d.weight}`);
  }
  return out.sort();
}

/** One `ipvsadm -Sn` section of the reference snapshots, sorted. */
export function snapshotSn(name: string): string[] {
  const text = fixture('ipvsadm-snapshots.txt');
  const start = text.indexOf(`=== ${name}: ipvsadm -Sn\n`);
  if (start < 0) throw new Error(`no snapshot ${name}`);
  const body = text.slice(start).split('\n').slice(1);
  const lines: string[] = [];
  for (const l of body) {
    if (l.startsWith('===') || l === '') break;
    lines.push(l);
  }
  return lines.sort();
}

export function waitFor(pred: () => boolean, timeoutMs = 5000, stepMs = 10): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (pred()) return resolve();
      if (Date.now() - t0 > timeoutMs) return reject(new Error('waitFor timed out'));
      setTimeout(tick, stepMs);
    };
    tick();
  });
}
