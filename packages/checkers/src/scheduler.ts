/**
 * One timer for all checkers: a binary min-heap of deadlines with a single
 * setTimeout armed for the earliest one. Thousands of checkers cost one
 * libuv timer instead of thousands.
 */
import type { DriftHistogram } from './drift-histogram.js';

export interface TimerHandle {
  cancel(): void;
}

/** A scheduled call; it is its own cancel handle so scheduling allocates one object. */
class Job implements TimerHandle {
  cancelled = false;
  constructor(
    readonly due: number,
    readonly seq: number,
    readonly fn: () => void,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

export interface Clock {
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

export class TimerHeap {
  private heap: Job[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private stopped = false;
  private readonly onTimer = (): void => this.fire();
  /** When set, every job's lateness (start - due) is recorded here. */
  drift: DriftHistogram | undefined;
  /**
   * keepalived's scheduler check, once per wake-up: the earliest due job
   * more than thresholdMs late is reported (logged, may raise priority).
   */
  lateWatch: { thresholdMs: number; onLate: (lateMs: number) => void } | undefined;

  constructor(private readonly clock: Clock = monotonicClock) {}

  get size(): number {
    return this.heap.length;
  }

  schedule(delayMs: number, fn: () => void): TimerHandle {
    const job = new Job(this.clock.now() + Math.max(0, delayMs), this.seq++, fn);
    this.push(job);
    this.arm();
    return job;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap = [];
  }

  private arm(): void {
    if (this.stopped) return;
    const top = this.heap[0];
    if (!top) return;
    if (this.timer && top.due >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = top.due;
    this.timer = setTimeout(this.onTimer, Math.max(0, top.due - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.clock.now();
    const head = this.heap[0];
    if (this.lateWatch && head && now - head.due > this.lateWatch.thresholdMs) this.lateWatch.onLate(now - head.due);
    // 1 ms slack: setTimeout may fire a hair early relative to performance.now()
    while (this.heap.length && this.heap[0]!.due <= now + 1) {
      const job = this.pop()!;
      if (job.cancelled) continue;
      if (this.drift) this.drift.record(this.clock.now() - job.due);
      try {
        job.fn();
      } catch {
        /* a job's failure must not stop the others */
      }
      if (this.stopped) return;
    }
    this.arm();
  }

  private less(a: Job, b: Job): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  // Sift with a hole instead of swaps: one store per level.
  private push(job: Job): void {
    const h = this.heap;
    let i = h.length;
    h.push(job);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!this.less(job, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = job;
  }

  private pop(): Job | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    const n = h.length;
    if (n && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && this.less(h[r]!, h[l]!) ? r : l;
        const child = h[m]!;
        if (!this.less(child, last)) break;
        h[i] = child;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}

/** Runs a probe with a hard deadline: a hang or a throw becomes a failed result. */
export async function withHardTimeout<T>(p: () => Promise<T>, ms: number, onTimeout: () => T, onError: (e: unknown) => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p().catch(onError),
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(onTimeout()), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
