import { performance } from 'node:perf_hooks';
import type { Timer, TimerScheduler } from './clock.js';
import { LatenessHistogram, timerExpiredLateMessage } from './lateness.js';
import { QueuedTimer, TimerQueue } from './timer-queue.js';

export interface RealTimerSchedulerOptions {
  /**
   * Log "A thread timer expired ... seconds ago" when a timer fires more than
   * this late. keepalived only checks this when max_auto_priority is configured
   * (the threshold is then min_auto_priority_delay, default 1 s), so leave it
   * undefined to stay silent like a default keepalived.
   */
  lateLogThresholdUs?: number;
  log?: (text: string) => void;
  /** Called after the late message, e.g. to raise process priority as keepalived does. */
  onLate?: (lateUs: number) => void;
}

/** Below this remaining time we stop trusting setTimeout's millisecond grain. */
const SPIN_THRESHOLD_US = 1_000;

/**
 * Timer scheduler over one Node timeout: all named timers live in a heap and the
 * single Node timeout is aimed at the earliest. Records how late each timer fired.
 */
export class RealTimerScheduler implements TimerScheduler {
  readonly lateness = new LatenessHistogram();
  private readonly queue: TimerQueue;
  private nodeTimeout: NodeJS.Timeout | undefined;
  private nodeImmediate: NodeJS.Immediate | undefined;
  private aimedAtUs = Number.POSITIVE_INFINITY;
  private readonly boundWake = (): void => this.wake();
  private closed = false;
  /** While firing, head changes are batched into one re-aim at the end. */
  private firing = false;

  constructor(private readonly options: RealTimerSchedulerOptions = {}) {
    this.queue = new TimerQueue(
      () => this.nowUs(),
      () => this.reaim(),
    );
  }

  nowUs(): number {
    return Math.floor(performance.now() * 1000);
  }

  createTimer(name: string, callback: () => void): Timer {
    return new QueuedTimer(name, callback, this.queue);
  }

  /** Stops the underlying Node timer; armed timers will not fire any more. */
  close(): void {
    this.closed = true;
    this.clearNode();
  }

  private clearNode(): void {
    if (this.nodeTimeout !== undefined) clearTimeout(this.nodeTimeout);
    if (this.nodeImmediate !== undefined) clearImmediate(this.nodeImmediate);
    this.nodeTimeout = undefined;
    this.nodeImmediate = undefined;
    this.aimedAtUs = Number.POSITIVE_INFINITY;
  }

  private reaim(): void {
    if (this.closed || this.firing) return;
    const head = this.queue.peek();
    if (head === undefined) {
      this.clearNode();
      return;
    }
    if (head.dueUs === this.aimedAtUs) return;
    this.clearNode();
    this.aimedAtUs = head.dueUs;
    const remainingUs = head.dueUs - this.nowUs();
    if (remainingUs < SPIN_THRESHOLD_US) {
      this.nodeImmediate = setImmediate(this.boundWake);
    } else {
      // Aim slightly early by truncating; wake() finishes the last sub-millisecond.
      this.nodeTimeout = setTimeout(this.boundWake, Math.floor(remainingUs / 1000));
    }
  }

  private wake(): void {
    this.nodeTimeout = undefined;
    this.nodeImmediate = undefined;
    this.aimedAtUs = Number.POSITIVE_INFINITY;
    this.firing = true;
    try {
      this.fireDue(this.nowUs());
    } finally {
      this.firing = false;
    }
    this.reaim();
  }

  private fireDue(start: number): void {
    let now = start;
    for (;;) {
      const t = this.queue.popDue(now);
      if (t === undefined) break;
      const lateUs = now - t.dueUs;
      this.lateness.record(lateUs);
      const threshold = this.options.lateLogThresholdUs;
      if (threshold !== undefined && lateUs > threshold) {
        this.options.log?.(timerExpiredLateMessage(lateUs));
        this.options.onLate?.(lateUs);
      }
      t.callback();
      if (this.closed) return;
      now = this.nowUs();
    }
  }
}
