/**
 * Entry point of the health-checker child. The watchdog forks this file by
 * path with the parent's argv; it also runs standalone:
 *   node packages/checkers/dist/src/child/main.js -n -l -f keepalived.conf
 */
import { runCheckerChild } from './run.js';

try {
  const code = await runCheckerChild(process.argv.slice(2));
  process.exit(code);
} catch (e) {
  process.stderr.write(`Keepalived_healthcheckers: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(70);
}
