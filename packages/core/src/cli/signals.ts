/**
 * keepalived's control signals (lib/signals.h, glibc x86_64 numbering:
 * SIGRTMIN is 34 and SIGRTMAX 64 for applications). `--signum=NAME` prints
 * these so that init scripts can send the right signal.
 */
export const KeepalivedSignal = {
  STOP: 15, // SIGTERM
  RELOAD: 1, // SIGHUP
  DATA: 10, // SIGUSR1
  STATS: 12, // SIGUSR2
  STATS_CLEAR: 63, // SIGRTMAX - 1
  JSON: 36, // SIGRTMIN + 2
} as const;
export type KeepalivedSignalName = keyof typeof KeepalivedSignal;

/** The number for a --signum name (exact, case-sensitive), or undefined for an unknown name. */
export function signalNumberFor(name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(KeepalivedSignal, name)
    ? KeepalivedSignal[name as KeepalivedSignalName]
    : undefined;
}
