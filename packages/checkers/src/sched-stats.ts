/**
 * Benchmark hook, off unless KEEPALIVED_TS_SCHED_STATS names a file: probe
 * start lateness is then recorded, and SIGUSR2 writes the figures since the
 * previous SIGUSR2 to that file as one JSON object and starts a new window
 * (the file appears, empty, once the handler is in place; the service also
 * writes it when it stops). keepalived's checker process
 * has no SIGUSR2 action, so the signal is free for this.
 */
import { writeFileSync } from 'node:fs';
import { DriftHistogram, type DriftSummary } from './drift-histogram.js';
import type { TimerHeap } from './scheduler.js';

export const SCHED_STATS_ENV = 'KEEPALIVED_TS_SCHED_STATS';

export interface ScheduleStatsSnapshot {
  pid: number;
  /** Length of the window the figures cover. */
  windowMs: number;
  /** Lateness of probe starts against their scheduled time. */
  drift: DriftSummary;
}

export class ScheduleStatsReporter {
  private readonly histogram = new DriftHistogram();
  private windowStart = performance.now();
  private readonly onSignal = (): void => this.write();

  private constructor(
    private readonly file: string,
    private readonly heap: TimerHeap,
  ) {
    heap.drift = this.histogram;
    process.on('SIGUSR2', this.onSignal);
    // An (empty) file at once: whoever signals can wait for it, since before the handler
    // exists SIGUSR2 would end the process.
    this.write();
  }

  static fromEnv(heap: TimerHeap, env: NodeJS.ProcessEnv = process.env): ScheduleStatsReporter | undefined {
    const file = env[SCHED_STATS_ENV];
    return file ? new ScheduleStatsReporter(file, heap) : undefined;
  }

  snapshot(): ScheduleStatsSnapshot {
    return { pid: process.pid, windowMs: Math.round(performance.now() - this.windowStart), drift: this.histogram.summary() };
  }

  /** Writes the current window and starts a new one. */
  write(): void {
    try {
      writeFileSync(this.file, `${JSON.stringify(this.snapshot())}\n`);
    } catch {
      // a benchmark aid must never disturb the checker
    }
    this.histogram.reset();
    this.windowStart = performance.now();
  }

  close(): void {
    process.off('SIGUSR2', this.onSignal);
    this.write();
    this.heap.drift = undefined;
  }
}
