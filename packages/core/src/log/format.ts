/**
 * The byte formats keepalived's log lines take: glibc syslog(3) datagrams
 * (RFC 3164 style), the console line (-l) and the log file line (-g). All
 * timestamps are local time in the C locale, as keepalived never calls
 * setlocale().
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m, i]));

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const space2 = (n: number): string => (n < 10 ? ` ${n}` : `${n}`);

/** strftime "%T". */
function hms(d: Date): string {
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** strftime "%c" in the C locale: "Sun Nov 22 11:07:48 2026" (day of month space padded). */
export function cTime(d: Date): string {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${space2(d.getDate())} ${hms(d)} ${d.getFullYear()}`;
}

/** glibc syslog's header timestamp, strftime "%h %e %T": "Nov  2 09:05:01". */
export function syslogTime(d: Date): string {
  return `${MONTHS[d.getMonth()]} ${space2(d.getDate())} ${hms(d)}`;
}

/** keepalived's log file timestamp, "%a %b %d %T.NNNNNNNNN %Y" (day zero padded). */
export function logFileTime(d: Date, nanoseconds: number): string {
  const ns = String(Math.trunc(nanoseconds)).padStart(9, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ${hms(d)}.${ns} ${d.getFullYear()}`;
}

/**
 * keepalived formats console and file lines into a 2 * 255 + 1 byte buffer
 * (vsnprintf), so their text stops after 510 bytes. syslog gets the whole
 * message. We cut on a character boundary rather than mid UTF-8 sequence.
 */
export const CONSOLE_TEXT_MAX_BYTES = 510;

export function truncateForConsole(text: string): string {
  if (text.length * 3 <= CONSOLE_TEXT_MAX_BYTES) return text;
  const b = Buffer.from(text, 'utf8');
  if (b.length <= CONSOLE_TEXT_MAX_BYTES) return text;
  let end = CONSOLE_TEXT_MAX_BYTES;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

/** The -l console line: "%c: text\n". */
export function formatConsoleLine(d: Date, text: string): string {
  return `${cTime(d)}: ${truncateForConsole(text)}\n`;
}

/** The -g log file line. */
export function formatLogFileLine(d: Date, nanoseconds: number, text: string): string {
  return `${logFileTime(d, nanoseconds)}: ${truncateForConsole(text)}\n`;
}

/** One syslog(3) record as glibc sends it to /dev/log. */
export interface SyslogRecord {
  facility: number;
  severity: number;
  /** The header timestamp exactly as sent ("Mmm dd hh:mm:ss"). */
  timestamp: string;
  ident: string;
  /** Present with LOG_PID, which keepalived always uses. */
  pid: number | undefined;
  text: string;
}

export function syslogRecord(
  facility: number,
  severity: number,
  date: Date,
  ident: string,
  pid: number | undefined,
  text: string,
): SyslogRecord {
  return { facility, severity, timestamp: syslogTime(date), ident, pid, text };
}

/**
 * glibc's datagram: "<PRI>Mmm dd hh:mm:ss IDENT[PID]: TEXT" with PRI =
 * facility * 8 + severity, no trailing newline and no NUL (NUL only on
 * stream sockets).
 */
export function encodeSyslogDatagram(r: SyslogRecord): Buffer {
  const pid = r.pid === undefined ? '' : `[${r.pid}]`;
  return Buffer.from(`<${r.facility * 8 + r.severity}>${r.timestamp} ${r.ident}${pid}: ${r.text}`, 'utf8');
}

const HEADER_RE = /^<(\d{1,3})>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) ([^\s:[]*)(?:\[(\d+)\])?: /;

/** Parses a datagram in glibc's format; undefined if it is not one. */
export function decodeSyslogDatagram(buf: Buffer, offset = 0, length = buf.length - offset): SyslogRecord | undefined {
  const s = buf.toString('utf8', offset, offset + length);
  const m = HEADER_RE.exec(s);
  if (!m) return undefined;
  const pri = Number(m[1]);
  if (pri > 191 || !MONTH_INDEX.has(m[2]!.slice(0, 3))) return undefined;
  return {
    facility: pri >> 3,
    severity: pri & 7,
    timestamp: m[2]!,
    ident: m[3]!,
    pid: m[4] === undefined ? undefined : Number(m[4]),
    text: s.slice(m[0].length),
  };
}
