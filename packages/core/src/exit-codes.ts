/**
 * keepalived's process exit codes (lib/scheduler.h, LSB / systemd.exec(5)
 * values). The watchdog does not respawn a child that exits with CONFIG,
 * NO_CONFIG or FATAL.
 */
export const ExitCode = {
  OK: 0,
  FATAL: 1,
  CONFIG: 2,
  MISSING_PERMISSION: 4,
  NO_CONFIG: 6,
  PROGRAM_ERROR: 70,
  NO_MEMORY: 204,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Exit codes of `keepalived -t` (enum chk_exit_code). */
export const ConfigTestExit = {
  OK: 0,
  CONFIG: 4,
  CONFIG_TEST: 5,
  CONFIG_TEST_SECURITY: 6,
} as const;
