/**
 * Entry point of the health-checker child. The watchdog forks this file by
 * path with the parent's argv; it also runs standalone:
 *   node packages/checkers/dist/src/child/main.js -n -l -f keepalived.conf
 */
import type { ChildMessage } from '@keepalived-ts/core';

// Until run.ts installs core's exitOnUncaught with the logger: Node's own
// status for an uncaught exception is 1, keepalived's FATAL, which would stop
// the whole daemon instead of respawning this child.
const crashedEarly = (e: unknown): void => {
  process.stderr.write(`Keepalived_healthcheckers: uncaught exception: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(70);
};
process.on('uncaughtException', crashedEarly);
process.on('unhandledRejection', crashedEarly);

// Loading the child's modules takes seconds on a slow machine (8-10 s under
// QEMU/TCG), longer than the watchdog's hang timeout, and the runtime that
// answers the parent's pings starts only after it. The loading event loop is
// not hung, so it answers the pings itself until runCheckerChild takes over
// (with no event-loop turn in between: no ping is left unanswered).
const answerPing = (msg: unknown): void => {
  const m = msg as { type?: unknown; seq?: unknown } | null;
  if (m?.type === 'ping' && typeof m.seq === 'number') {
    process.send?.({ type: 'pong', seq: m.seq, lagMs: 0 } satisfies ChildMessage);
  }
};
if (process.send) process.on('message', answerPing);

try {
  const { runCheckerChild } = await import('./run.js');
  process.off('message', answerPing);
  const code = await runCheckerChild(process.argv.slice(2));
  process.exit(code);
} catch (e) {
  process.stderr.write(`Keepalived_healthcheckers: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(70);
}
