import type { CheckerType } from './model.js';

/**
 * The outcome of one probe. Errors are results: a checker never throws out
 * of check(), and the scheduler turns a throw or a hang into ok=false.
 */
export interface CheckResult {
  ok: boolean;
  /**
   * keepalived's wording of why the probe failed, as the checker type logs
   * it under log_all_failures (e.g. "TCP connection to [10.0.0.1]:tcp:80 timeout.").
   */
  reason?: string;
  /** MISC_CHECK: exit status of the script (when it exited). */
  exitCode?: number;
  /** MISC_CHECK: terminating signal number (when killed). */
  signal?: number;
  /** MISC_CHECK: true when we killed the script for running past misc_timeout. */
  timedOut?: boolean;
  /** FILE_CHECK: the integer read from the file. */
  value?: number;
}

export interface HealthChecker {
  readonly type: CheckerType;
  /** One probe. Must settle; the scheduler still enforces hardTimeoutMs. */
  check(): Promise<CheckResult>;
  /** Upper bound for one check() before the scheduler gives up on it. */
  readonly hardTimeoutMs: number;
  /**
   * Callback form of check() for the hot path (no promise, no hard-timeout
   * timer per probe): calls done exactly once unless abort() comes first,
   * and must enforce its own deadline. The service prefers it when present.
   */
  start?(done: (result: CheckResult) => void): void;
  /** Releases sockets/processes of a probe in flight (after a hard timeout, on stop). */
  abort?(): void;
}

export interface CheckerLogger {
  info(message: string): void;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
