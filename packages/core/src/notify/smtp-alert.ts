/**
 * keepalived's SMTP alerts (core/smtp.c): with notification_email and
 * smtp_server set, a state change is mailed to every address - one plain
 * SMTP session (HELO, MAIL, RCPT per address, DATA, QUIT) per alert, on a
 * non-blocking socket with smtp_connect_timeout on the connect and on every
 * reply. The same message, headers and log texts as keepalived 2.2.7.
 */
import { connect, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import type { GlobalDefs } from '../config/model/global.js';
import { localCanonicalName } from '../config/dump/global.js';

export interface SmtpAlertSettings {
  host: string;
  port: number;
  heloName: string;
  from: string;
  to: readonly string[];
  connectTimeoutMs: number;
  /** Prefix of every subject: "[router_id] ...". */
  routerId: string;
}

/** The settings keepalived derives from global_defs, or undefined when alerts cannot be sent (no server or no address). */
export function smtpAlertSettings(g: GlobalDefs, localName: () => string = localCanonicalName): SmtpAlertSettings | undefined {
  if (g.smtpServer === undefined || g.notificationEmail.length === 0) return undefined;
  let local: string | undefined;
  const name = (): string => (local ??= localName());
  let user = 'root';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry: keepalived would have no default sender either; root is the daemon's user
  }
  return {
    host: g.smtpServer.host, port: g.smtpServer.port,
    heloName: g.smtpHeloName ?? name(),
    from: g.notificationEmailFrom ?? `${user}@${name()}`,
    to: g.notificationEmail,
    connectTimeoutMs: Math.max(1, Math.round(g.smtpConnectTimeoutUs / 1000)),
    routerId: g.routerId ?? name(),
  };
}

/** strftime("%a, %d %b %Y %H:%M:%S %z") in local time, as keepalived's Date header. */
export function rfc822Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off >= 0 ? '+' : '-'}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
  return `${days[d.getDay()]}, ${p2(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${zone}`;
}

/** The DATA part keepalived sends (headers, body, end of data). */
export function smtpMessage(s: SmtpAlertSettings, subject: string, body: string, date = new Date()): string {
  return `Date: ${rfc822Date(date)}\r\nFrom: ${s.from}\r\nSubject: ${subject}\r\nX-Mailer: Keepalived\r\nTo: ${s.to.join(', ')}\r\n\r\n${body}\r\n\r\n.\r\n`;
}

export interface SmtpAlertLog {
  info(text: string): void;
}

type Stage = 'greeting' | 'HELO' | 'MAIL' | 'RCPT' | 'DATA' | 'BODY' | 'QUIT';
const EXPECTED: Record<Stage, number> = { greeting: 220, HELO: 250, MAIL: 250, RCPT: 250, DATA: 354, BODY: 250, QUIT: 221 };
const STAGES: readonly Stage[] = ['greeting', 'HELO', 'MAIL', 'RCPT', 'DATA', 'BODY', 'QUIT'];
const CMD_NAME: Record<Stage, string> = { greeting: '(E)SMTP', HELO: 'HELO', MAIL: 'MAIL', RCPT: 'RCPT', DATA: 'DATA', BODY: 'BODY', QUIT: 'QUIT' };

export class SmtpAlerter {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly settings: SmtpAlertSettings | undefined,
    private readonly log: SmtpAlertLog,
    private readonly detail: boolean,
  ) {}

  get enabled(): boolean {
    return this.settings !== undefined;
  }

  /** Mails "[router_id] <subject>" with body; never throws, never blocks. */
  send(subject: string, body: string): void {
    const s = this.settings;
    if (s === undefined) return;
    const p = this.session(s, `[${s.routerId}] ${subject}`, body).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Waits for alerts in progress, at most `maxMs` (a stopping daemon does not wait out a dead server). */
  async settle(maxMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((r) => { timer = setTimeout(r, maxMs); }),
    ]);
    clearTimeout(timer);
  }

  private session(s: SmtpAlertSettings, subject: string, body: string): Promise<void> {
    const server = `[${s.host}]:${s.port}`;
    return new Promise((resolve) => {
      let stage: Stage = 'greeting';
      let rcpt = 0;
      let buffered = '';
      let connected = false;
      let finished = false;
      const sock: Socket = connect({ host: s.host, port: s.port });
      const end = (): void => {
        if (finished) return;
        finished = true;
        sock.destroy();
        resolve();
      };
      const send = (text: string): void => {
        sock.write(text, (err) => {
          if (err) {
            this.log.info(`Cannot send data to remote SMTP server ${server}.`);
            end();
          }
        });
      };
      const command = (): void => {
        switch (stage) {
          case 'HELO': return send(`HELO ${s.heloName || 'localhost'}\r\n`);
          case 'MAIL': return send(`MAIL FROM:<${s.from}>\r\n`);
          case 'RCPT': return send(`RCPT TO:<${s.to[rcpt]}>\r\n`);
          case 'DATA': return send('DATA\r\n');
          case 'BODY': return send(smtpMessage(s, subject, body));
          case 'QUIT': return send('QUIT\r\n');
          default: return undefined;
        }
      };
      const next = (): void => {
        if (stage === 'RCPT' && ++rcpt < s.to.length) return command();
        if (stage === 'BODY' && this.detail) this.log.info('SMTP alert successfully sent.');
        if (stage === 'QUIT') return end();
        stage = STAGES[STAGES.indexOf(stage) + 1]!;
        command();
      };
      sock.setTimeout(s.connectTimeoutMs);
      sock.on('connect', () => {
        connected = true;
        if (this.detail) this.log.info(`Remote SMTP server ${server} connected.`);
      });
      sock.on('timeout', () => {
        this.log.info(connected ? `Timeout reading data to remote SMTP server ${server}.` : `Timeout connecting SMTP server ${server}.`);
        end();
      });
      sock.on('error', () => {
        if (!finished) this.log.info(connected ? `Error reading data from remote SMTP server ${server}.` : `SMTP connection ERROR to ${server}.`);
        end();
      });
      sock.on('close', () => {
        if (!finished && connected) this.log.info(`Remote SMTP server ${server} has closed the connection.`);
        end();
      });
      sock.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1');
        for (;;) {
          const eol = buffered.indexOf('\r\n');
          if (eol < 0) return;
          const line = buffered.slice(0, eol);
          buffered = buffered.slice(eol + 2);
          // continuation lines of a multi-line reply ("250-...") carry no verdict
          if (line[3] === '-') continue;
          const code = Number(line.slice(0, 3));
          if (code === EXPECTED[stage]) next();
          else if (stage === 'QUIT') return end();
          else {
            this.log.info(`Error processing ${CMD_NAME[stage]} cmd on SMTP server ${server}. SMTP status code = ${code}`);
            stage = 'QUIT';
            command();
          }
        }
      });
    });
  }
}
