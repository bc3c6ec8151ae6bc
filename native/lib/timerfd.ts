import type { NativeBinding, PollHandle } from './binding.js';
import { CLOCK_MONOTONIC, TFD_TIMER_ABSTIME } from './constants.js';

/**
 * One CLOCK_MONOTONIC timerfd watched on the Node event loop: a deadline with
 * the kernel's hrtimer precision instead of setTimeout's whole milliseconds.
 * Deadlines are absolute, so the time spent between computing one and arming
 * it does not push the expiry later.
 */
export interface DeadlineTimer {
  /** Arms (or re-arms) for an absolute CLOCK_MONOTONIC time in microseconds. */
  armAtMonotonicUs(deadlineUs: number): void;
  disarm(): void;
  /** Stops the watch and closes the descriptor; onExpire is not called any more. */
  close(): void;
  ref(): void;
  unref(): void;
}

type TimerFdBinding = NativeBinding & Required<Pick<NativeBinding, 'timerfdCreate' | 'timerfdSetTime' | 'timerfdRead' | 'clockGetTime'>>;

/** True when the binding has the timerfd calls (the compiled addon does; fakes usually do not). */
export function hasTimerFd(native: NativeBinding): native is TimerFdBinding {
  return typeof native.timerfdCreate === 'function' && typeof native.timerfdSetTime === 'function'
    && typeof native.timerfdRead === 'function' && typeof native.clockGetTime === 'function';
}

/** CLOCK_MONOTONIC now, in (fractional) microseconds. */
export function monotonicNowUs(native: TimerFdBinding): number {
  const [sec, nsec] = native.clockGetTime(CLOCK_MONOTONIC);
  return sec * 1e6 + nsec / 1e3;
}

/**
 * Opens the timerfd and its readability watch. onExpire runs on the event
 * loop once per expiry (the expiration count is read first, which is what
 * clears the level-triggered readiness).
 */
export function openDeadlineTimer(native: TimerFdBinding, onExpire: () => void): DeadlineTimer {
  const fd = native.timerfdCreate(CLOCK_MONOTONIC);
  let closed = false;
  let watch: PollHandle;
  try {
    watch = native.poll(fd, (err) => {
      if (closed) return;
      if (err) throw err;
      if (native.timerfdRead(fd) > 0) onExpire();
    });
  } catch (e) {
    native.close(fd);
    throw e;
  }
  return {
    armAtMonotonicUs(deadlineUs) {
      // A deadline of 0/0 would disarm; anything in the past fires at once.
      const us = Math.max(1, Math.ceil(deadlineUs));
      const sec = Math.floor(us / 1e6);
      native.timerfdSetTime(fd, TFD_TIMER_ABSTIME, sec, (us - sec * 1e6) * 1000);
    },
    disarm() {
      native.timerfdSetTime(fd, 0, 0, 0);
    },
    close() {
      if (closed) return;
      closed = true;
      watch.stop();
      native.close(fd);
    },
    ref: () => watch.ref(),
    unref: () => watch.unref(),
  };
}
