/**
 * keepalived's respawn rate limit (lib/scheduler.c calc_restart_delay): a child
 * that ran for 60 s or more is restarted at once and the backoff resets;
 * otherwise the delay goes 0 (first crash: immediately), 1, 2, 4 ... 32, 60 s.
 * Restarting the first crash immediately matters: a VRRP child that dies once
 * must be back before the peer's Master_Down expires.
 */
export interface RestartBackoff {
  /** Seconds the next early death will wait. */
  nextDelaySec: number;
}

export const STABLE_RUN_MS = 60_000;
export const MAX_RESTART_DELAY_SEC = 60;

/** Returns the delay to apply now and advances the backoff state. */
export function nextRestartDelay(state: RestartBackoff, ranForMs: number): number {
  if (ranForMs >= STABLE_RUN_MS) {
    state.nextDelaySec = 0;
    return 0;
  }
  const delay = state.nextDelaySec;
  if (delay === 0) state.nextDelaySec = 1;
  else if (state.nextDelaySec > 30) state.nextDelaySec = MAX_RESTART_DELAY_SEC;
  else state.nextDelaySec *= 2;
  return delay;
}
