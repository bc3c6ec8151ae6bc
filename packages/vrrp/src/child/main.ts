/**
 * Entry point of the VRRP child. The watchdog forks this file by path with
 * the parent's argv; it also runs standalone:
 *   node packages/vrrp/dist/src/child/main.js -n -l -f keepalived.conf
 */
import { runVrrpChild } from './run.js';

// Until run.ts installs core's exitOnUncaught with the logger (see the checker child's main.ts).
const crashedEarly = (e: unknown): void => {
  process.stderr.write(`Keepalived_vrrp: uncaught exception: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(70);
};
process.on('uncaughtException', crashedEarly);
process.on('unhandledRejection', crashedEarly);

try {
  const code = await runVrrpChild(process.argv.slice(2));
  process.exit(code);
} catch (e) {
  process.stderr.write(`Keepalived_vrrp: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(70);
}
