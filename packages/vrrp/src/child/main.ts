/**
 * Entry point of the VRRP child. The watchdog forks this file by path with
 * the parent's argv; it also runs standalone:
 *   node packages/vrrp/dist/src/child/main.js -n -l -f keepalived.conf
 */
import { runVrrpChild } from './run.js';

try {
  const code = await runVrrpChild(process.argv.slice(2));
  process.exit(code);
} catch (e) {
  process.stderr.write(`Keepalived_vrrp: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(70);
}
