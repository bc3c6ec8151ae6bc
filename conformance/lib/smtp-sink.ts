/**
 * A small SMTP server for the alert tests: `node smtp-sink.js PORT OUTFILE` listens on every
 * address, answers like Postfix, and appends each session to OUTFILE as one JSON line
 * ({ lines: the commands, data: the message }). It runs inside a test's namespace.
 */
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';

const [portArg, out] = process.argv.slice(2);
if (!portArg || !out) {
  process.stderr.write('usage: smtp-sink PORT OUTFILE\n');
  process.exit(2);
}
createServer((sock) => {
  const session = { lines: [] as string[], data: '' };
  let inData = false;
  let buf = '';
  sock.write('220 sink.example.org ESMTP\r\n');
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    for (;;) {
      if (inData) {
        const end = buf.indexOf('\r\n.\r\n');
        if (end < 0) return;
        session.data = buf.slice(0, end + 5);
        buf = buf.slice(end + 5);
        inData = false;
        sock.write('250 2.0.0 Ok: queued\r\n');
        continue;
      }
      const eol = buf.indexOf('\r\n');
      if (eol < 0) return;
      const line = buf.slice(0, eol);
      buf = buf.slice(eol + 2);
      session.lines.push(line);
      const cmd = line.split(/[ :]/)[0]!.toUpperCase();
      if (cmd === 'DATA') {
        inData = true;
        sock.write('354 End data with <CR><LF>.<CR><LF>\r\n');
      } else if (cmd === 'QUIT') {
        sock.end('221 2.0.0 Bye\r\n');
        appendFileSync(out, `${JSON.stringify(session)}\n`);
      } else sock.write('250 2.1.0 Ok\r\n');
    }
  });
  sock.on('error', () => undefined);
}).listen(Number(portArg));
