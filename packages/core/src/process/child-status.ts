import { constants as osConstants } from 'node:os';
import { ExitCode } from '../exit-codes.js';

export interface ChildStatusReport {
  /** True when the child must not be respawned and the daemon terminates. */
  permanent: boolean;
  /** The exit code the parent should terminate with when permanent. */
  exitCode: number;
  lines: string[];
}

const signalNames = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, num]) => [num as number, name]),
);

/** strsignal(3) texts for the signals a child realistically dies of. */
const signalDescriptions: Record<string, string> = {
  SIGHUP: 'Hangup',
  SIGINT: 'Interrupt',
  SIGQUIT: 'Quit',
  SIGILL: 'Illegal instruction',
  SIGABRT: 'Aborted',
  SIGBUS: 'Bus error',
  SIGFPE: 'Floating point exception',
  SIGKILL: 'Killed',
  SIGSEGV: 'Segmentation fault',
  SIGPIPE: 'Broken pipe',
  SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
  SIGUSR1: 'User defined signal 1',
  SIGUSR2: 'User defined signal 2',
  SIGXCPU: 'CPU time limit exceeded',
};

/**
 * keepalived's report_child_status: FATAL, CONFIG and MISSING_PERMISSION exits
 * are permanent (no respawn, the daemon stops); anything else is logged and
 * respawned.
 */
export function reportChildStatus(progName: string, code: number | null, signal: NodeJS.Signals | null): ChildStatusReport {
  if (code !== null) {
    if (code === ExitCode.FATAL || code === ExitCode.CONFIG || code === ExitCode.MISSING_PERMISSION) {
      const what = code === ExitCode.CONFIG ? 'CONFIG' : code === ExitCode.MISSING_PERMISSION ? 'missing permission' : 'FATAL';
      return { permanent: true, exitCode: code, lines: [`${progName} exited with permanent error ${what}. Terminating`] };
    }
    return { permanent: false, exitCode: code, lines: code === 0 ? [] : [`${progName} exited with status ${code}`] };
  }
  const name = signal ?? 'SIGKILL';
  const num = (osConstants.signals as Record<string, number>)[name] ?? 0;
  const desc = signalDescriptions[name] ?? signalNames.get(num) ?? name;
  const suffix = name === 'SIGKILL' ? ' - has rlimit_rttime been exceeded?' : '';
  return { permanent: false, exitCode: 0, lines: [`${progName} exited due to signal ${num} (${desc})${suffix}`] };
}
