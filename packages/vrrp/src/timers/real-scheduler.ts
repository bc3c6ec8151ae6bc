import { performance } from 'node:perf_hooks';
import { hasTimerFd, monotonicNowUs, openDeadlineTimer, type DeadlineTimer, type NativeBinding } from '@keepalived-ts/native';
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
  /**
   * With a binding that has the timerfd calls, the earliest deadline is kept
   * on one CLOCK_MONOTONIC timerfd (microsecond expiry, like keepalived's
   * epoll + timerfd loop). Without it, a Node timeout plus a setImmediate
   * spin over the last millisecond.
   */
  native?: NativeBinding;
}

/**
 * The timerfd deadline is set this far past the due time (µs): the offset
 * between performance.now() and CLOCK_MONOTONIC is measured to about a
 * microsecond, and a wake-up a hair early would cost a second wake-up.
 */
const DEADLINE_MARGIN_US = 2;

/** Below this remaining time we stop trusting setTimeout's millisecond grain. */
const SPIN_THRESHOLD_US = 1_000;

/**
 * Timer scheduler over one wake-up source (a timerfd, else a Node timeout):
 * all named timers live in a heap and the single source is aimed at the
 * earliest. Records how late each timer fired.
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
  private deadline: DeadlineTimer | undefined;
  /** CLOCK_MONOTONIC minus nowUs(), in µs (constant: both read the same clock). */
  private monotonicOffsetUs = 0;
  private deadlineReferenced = true;

  constructor(private readonly options: RealTimerSchedulerOptions = {}) {
    this.queue = new TimerQueue(
      () => this.nowUs(),
      () => this.reaim(),
    );
    const native = options.native;
    if (native !== undefined && hasTimerFd(native)) {
      try {
        this.deadline = openDeadlineTimer(native, this.boundWake);
        const before = performance.now() * 1000;
        const mono = monotonicNowUs(native);
        const after = performance.now() * 1000;
        this.monotonicOffsetUs = mono - (before + after) / 2 + DEADLINE_MARGIN_US;
        this.setDeadlineReferenced(false);
      } catch {
        // no timerfd after all (seccomp, old kernel): the Node timeout serves
        this.deadline = undefined;
      }
    }
  }

  /** Which wake-up source drives the timers. */
  get source(): 'timerfd' | 'timeout' {
    return this.deadline !== undefined ? 'timerfd' : 'timeout';
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
    this.deadline?.close();
  }

  /** An idle timerfd watch must not keep the process alive (an idle Node timeout does not either). */
  private setDeadlineReferenced(on: boolean): void {
    if (this.deadlineReferenced === on) return;
    this.deadlineReferenced = on;
    if (on) this.deadline!.ref();
    else this.deadline!.unref();
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
      if (this.deadline !== undefined) {
        this.deadline.disarm();
        this.setDeadlineReferenced(false);
      }
      return;
    }
    if (head.dueUs === this.aimedAtUs) return;
    if (this.deadline !== undefined) {
      this.aimedAtUs = head.dueUs;
      this.setDeadlineReferenced(true);
      this.deadline.armAtMonotonicUs(head.dueUs + this.monotonicOffsetUs);
      return;
    }
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
