export type { Clock, Timer, TimerScheduler } from './clock.js';
export { RealTimerScheduler, type RealTimerSchedulerOptions } from './real-scheduler.js';
export { ManualScheduler } from './manual-scheduler.js';
export { LatenessHistogram, LATENESS_BUCKET_BOUNDS_US, timerExpiredLateMessage, type LatenessSnapshot } from './lateness.js';
export { TimerQueue, QueuedTimer } from './timer-queue.js';
