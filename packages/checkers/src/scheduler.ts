/**
 * One timer for all checkers: a binary min-heap of deadlines with a single
 * setTimeout armed for the earliest one. Thousands of checkers cost one
 * libuv timer instead of thousands.
 */

interface Job {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export interface TimerHandle {
  cancel(): void;
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

  constructor(private readonly clock: Clock = monotonicClock) {}

  get size(): number {
    return this.heap.length;
  }

  schedule(delayMs: number, fn: () => void): TimerHandle {
    const job: Job = { due: this.clock.now() + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(job);
    this.arm();
    return { cancel: () => void (job.cancelled = true) };
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
    this.timer = setTimeout(() => this.fire(), Math.max(0, top.due - this.clock.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.clock.now();
    // 1 ms slack: setTimeout may fire a hair early relative to performance.now()
    while (this.heap.length && this.heap[0]!.due <= now + 1) {
      const job = this.pop()!;
      if (job.cancelled) continue;
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

  private push(job: Job): void {
    const h = this.heap;
    h.push(job);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Job | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
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
