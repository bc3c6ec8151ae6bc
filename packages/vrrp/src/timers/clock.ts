/**
 * Time and timer abstractions for the VRRP state machine.
 *
 * All times are integer microseconds on a monotonic clock: keepalived keeps its
 * timers in microseconds (TIMER_HZ = 1000000) and the RFC skew arithmetic is
 * integer arithmetic on that unit, so using milliseconds would change results.
 */

export interface Clock {
  /** Monotonic time in whole microseconds. */
  nowUs(): number;
}

/**
 * A named, reusable timer. It is created once (with its callback bound once) and
 * re-armed for every use, so nothing is allocated per advert.
 */
export interface Timer {
  readonly name: string;
  /** True while armed and not yet fired. */
  readonly armed: boolean;
  /** Absolute due time in microseconds; meaningful only while armed. */
  readonly dueUs: number;
  /** Arm to fire `delayUs` from now; an armed timer is cancelled first. */
  arm(delayUs: number): void;
  /** Arm to fire at the absolute time `dueUs`; an armed timer is cancelled first. */
  armAt(dueUs: number): void;
  cancel(): void;
}

export interface TimerScheduler extends Clock {
  createTimer(name: string, callback: () => void): Timer;
}
