import { ExitCode } from '../exit-codes.js';
import type { Logger } from '../log/logger.js';

/**
 * Makes an uncaught exception or unhandled rejection in a child end it with
 * PROGRAM_ERROR (70), which the watchdog respawns. Node's own exit status for
 * an uncaught exception is 1, keepalived's KEEPALIVED_EXIT_FATAL, on which the
 * parent stops the whole daemon: one bug in a checker would then take the
 * VIPs down with it. Called again once the child has its logger, so the
 * reason also reaches syslog.
 */
export function exitOnUncaught(progName: string, log?: Logger): void {
  // replaces the entry point's early handler (and any earlier call's)
  process.removeAllListeners('uncaughtException');
  process.removeAllListeners('unhandledRejection');
  let crashing = false;
  const onCrash = (e: unknown): void => {
    if (crashing) return;
    crashing = true;
    const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`${progName}: uncaught exception: ${text}\n`);
    process.exitCode = ExitCode.PROGRAM_ERROR;
    if (!log) process.exit(ExitCode.PROGRAM_ERROR);
    log.error(`Uncaught exception, exiting to be restarted: ${e instanceof Error ? e.message : String(e)}`);
    // a moment for the syslog datagram / log file, never longer
    const done = () => process.exit(ExitCode.PROGRAM_ERROR);
    setTimeout(done, 200).unref();
    log.close().then(done, done);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
}
