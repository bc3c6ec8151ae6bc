/**
 * `node smtp-sink.js PORT OUTFILE`: the alert tests' SMTP server
 * (packages/core/test/support/smtp-server.ts) listening on every address inside a test's
 * namespace, appending each finished session to OUTFILE as one JSON line.
 */
import { appendFileSync } from 'node:fs';
import type * as Support from '../../packages/core/dist/test/support/smtp-server.js';

const [portArg, out] = process.argv.slice(2);
if (!portArg || !out) {
  process.stderr.write('usage: smtp-sink PORT OUTFILE\n');
  process.exit(2);
}
// resolved at run time from conformance/dist/lib (the import path above is for the types)
const support = (await import(new URL('../../../packages/core/dist/test/support/smtp-server.js', import.meta.url).href)) as typeof Support;
await support.startSmtpServer({ port: Number(portArg), host: '0.0.0.0', onSession: (s) => appendFileSync(out, `${JSON.stringify(s)}\n`) });
