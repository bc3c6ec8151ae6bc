/**
 * A small SMTP server for the alert tests (core's unit test on loopback, and
 * conformance/lib/smtp-sink.ts inside a namespace): it answers like Postfix and
 * records each session - the commands, and the message sent after DATA.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface SmtpSession { lines: string[]; data: string }

export interface SmtpServerOptions {
  port?: number;
  host?: string;
  greeting?: string;
  /** A reply replacing the default one for a command (by its first word, e.g. RCPT). */
  replies?: Record<string, string>;
  /** Accept connections and say nothing (a server that hangs). */
  silent?: boolean;
  /** Called once a session ends with QUIT. */
  onSession?: (s: SmtpSession) => void;
}

export async function startSmtpServer(opts: SmtpServerOptions = {}): Promise<{ port: number; sessions: SmtpSession[]; server: Server }> {
  const sessions: SmtpSession[] = [];
  const server = createServer((sock: Socket) => {
    const session: SmtpSession = { lines: [], data: '' };
    sessions.push(session);
    sock.on('error', () => undefined);
    if (opts.silent) return;
    let inData = false;
    let buf = '';
    sock.write(opts.greeting ?? '220 sink.example.org ESMTP\r\n');
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
        const reply = opts.replies?.[cmd];
        if (reply) sock.write(`${reply}\r\n`);
        else if (cmd === 'DATA') {
          inData = true;
          sock.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (cmd === 'QUIT') {
          sock.end('221 2.0.0 Bye\r\n');
          opts.onSession?.(session);
        } else sock.write('250 2.1.0 Ok\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, sessions, server };
}
