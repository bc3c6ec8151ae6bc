import type { Timer, TimerScheduler } from './clock.js';
import { QueuedTimer, TimerQueue } from './timer-queue.js';

/**
 * Deterministic scheduler for tests: time moves only when told to. While
 * advancing, the clock is set to each timer's exact due time before its
 * callback runs, so callbacks observe the instant they were scheduled for.
 */
export class ManualScheduler implements TimerScheduler {
  private now: number;
  private readonly queue: TimerQueue;

  constructor(startUs = 0) {
    this.now = startUs;
    this.queue = new TimerQueue(() => this.now);
  }

  nowUs(): number {
    return this.now;
  }

  createTimer(name: string, callback: () => void): Timer {
    return new QueuedTimer(name, callback, this.queue);
  }

  /** Due time of the earliest armed timer, or undefined. */
  nextDueUs(): number | undefined {
    return this.queue.peek()?.dueUs;
  }

  get pendingTimers(): number {
    return this.queue.size;
  }

  /** Runs every timer due at or before `targetUs` (including ones armed meanwhile), then sets the clock to `targetUs`. */
  advanceTo(targetUs: number): void {
    if (targetUs < this.now) throw new RangeError(`cannot move the clock back from ${this.now} to ${targetUs}`);
    for (;;) {
      const t = this.queue.popDue(targetUs);
      if (t === undefined) break;
      if (t.dueUs > this.now) this.now = t.dueUs;
      t.callback();
    }
    this.now = targetUs;
  }

  advance(deltaUs: number): void {
    this.advanceTo(this.now + deltaUs);
  }

  /** Fires only the next timer (moving the clock to it); returns its name, or undefined if none. */
  runNext(): string | undefined {
    const head = this.queue.peek();
    if (head === undefined) return undefined;
    const t = this.queue.popDue(head.dueUs) as QueuedTimer;
    if (t.dueUs > this.now) this.now = t.dueUs;
    t.callback();
    return t.name;
  }
}
