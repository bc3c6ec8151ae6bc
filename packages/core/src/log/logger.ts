/**
 * The logger every subsystem uses: `log.info(text)` etc. with syslog
 * severities, texts passed verbatim (keepalived's message texts are the
 * contract). It is a pino logger whose destination formats each record the
 * way keepalived's vlog_message() does and fans it out to syslog (/dev/log),
 * the console (-l with -n) and a log file (-g). pino hands the destination
 * the level and message as metadata, so no JSON is parsed per line.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import type { NativeBinding } from '@keepalived-ts/native';
import { formatConsoleLine, formatLogFileLine } from './format.js';
import { Priority, SyslogFacility } from './priority.js';
import { SyslogClient } from './syslog.js';

/** A text sink such as process.stderr or a SonicBoom file stream. */
export interface TextSink {
  write(chunk: string): unknown;
}

export interface FileSink extends TextSink {
  end?(): void;
  once?(event: 'close' | 'error', listener: () => void): unknown;
}

export interface LoggerOptions {
  /** Syslog ident: LogIdent.parent / vrrp / checkers / bfd (or make_syslog_ident's variant). */
  ident: string;
  /** Facility code; daemon by default. */
  facility?: number;
  /** Send to syslog (false for -G and -t). Default true. */
  syslog?: boolean;
  /** The native shim for the /dev/log socket (lazy function accepted); required when syslog is on. */
  native?: NativeBinding | (() => NativeBinding);
  /** Socket path, /dev/log by default. */
  syslogPath?: string;
  /** Console lines (keepalived: -l together with -n). */
  console?: boolean;
  /** Where console lines go; process.stderr by default (keepalived writes them to stderr). */
  consoleSink?: TextSink;
  /** An opened log file (see openLogFile). */
  file?: FileSink;
  /** -D count: 1 = detail, 2 = extra detail. */
  detail?: 0 | 1 | 2;
  /** pid in syslog headers; process.pid by default. */
  pid?: number;
  /** Epoch milliseconds with a sub-millisecond fraction; for tests. */
  now?: () => number;
}

export interface Logger {
  /** -D: callers log their detailed lines only when this is non-zero. */
  readonly detail: 0 | 1 | 2;
  log(priority: Priority, text: string): void;
  emerg(text: string): void;
  alert(text: string): void;
  crit(text: string): void;
  error(text: string): void;
  warn(text: string): void;
  notice(text: string): void;
  info(text: string): void;
  debug(text: string): void;
  /**
   * Releases the syslog socket; resolves once the log file has everything
   * written and is closed (await it before exiting the process).
   */
  close(): Promise<void>;
}

/** pino level values for the syslog severities (pino wants larger = more severe). */
const PINO_LEVELS = {
  debug: 20,
  info: 30,
  notice: 35,
  warning: 40,
  err: 50,
  crit: 55,
  alert: 60,
  emerg: 70,
} as const;
type PinoLevel = keyof typeof PINO_LEVELS;
const PINO_TO_SYSLOG = new Map<number, Priority>(
  (Object.entries(PINO_LEVELS) as [PinoLevel, number][]).map(([name, value]) => [value, Priority[name]]),
);
const SYSLOG_TO_PINO: PinoLevel[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

const defaultNow = (): number => performance.timeOrigin + performance.now();

/**
 * The pino destination: receives each record's level and message through
 * pino's metadata protocol and writes keepalived's formats.
 */
export class KeepalivedDestination {
  lastLevel = 0;
  lastMsg: string | undefined = '';

  constructor(
    private readonly syslog: SyslogClient | undefined,
    private readonly consoleSink: TextSink | undefined,
    private readonly file: FileSink | undefined,
    private readonly now: () => number,
  ) {
    // pino's metadata protocol: it sets lastLevel/lastMsg on us before each write.
    Object.defineProperty(this, Symbol.for('pino.metadata'), { value: true });
  }

  write(_json: string): void {
    this.deliver(PINO_TO_SYSLOG.get(this.lastLevel) ?? Priority.info, this.lastMsg ?? '');
  }

  deliver(severity: number, text: string): void {
    const t = this.now();
    const date = new Date(Math.floor(t));
    if (this.consoleSink) this.consoleSink.write(formatConsoleLine(date, text));
    // Epoch milliseconds as a double keep about microsecond precision; the rest of the nanoseconds are 0.
    if (this.file) this.file.write(formatLogFileLine(date, Math.min(Math.round((t - Math.floor(t / 1000) * 1000) * 1000), 999_999) * 1000, text));
    if (this.syslog) this.syslog.log(severity, text, date);
  }

  close(): Promise<void> {
    this.syslog?.close();
    const file = this.file;
    if (!file?.end) return Promise.resolve();
    // Lines may still be in flight asynchronously; end() writes the rest in order, then closes.
    return new Promise<void>((resolve) => {
      if (file.once) {
        file.once('close', resolve);
        file.once('error', resolve);
        file.end!();
      } else {
        file.end!();
        resolve();
      }
    });
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const wantSyslog = options.syslog ?? true;
  if (wantSyslog && !options.native) throw new Error('createLogger: syslog logging needs the native binding');
  const syslog = wantSyslog
    ? new SyslogClient({
        native: options.native!,
        ident: options.ident,
        facility: options.facility ?? SyslogFacility.daemon,
        path: options.syslogPath,
        pid: options.pid,
      })
    : undefined;
  const consoleSink = options.console ? (options.consoleSink ?? process.stderr) : undefined;
  const dest = new KeepalivedDestination(syslog, consoleSink, options.file, options.now ?? defaultNow);
  const p: PinoLogger<PinoLevel, boolean> = pino<PinoLevel, true>(
    {
      customLevels: PINO_LEVELS,
      useOnlyCustomLevels: true,
      level: 'debug',
      base: undefined,
      timestamp: false,
    },
    dest,
  );
  const detail = options.detail ?? 0;
  // pino would apply printf-style formatting to extra arguments; we never pass any, so texts stay verbatim.
  return {
    detail,
    log: (priority, text) => p[SYSLOG_TO_PINO[priority] ?? 'info'](text),
    emerg: (text) => p.emerg(text),
    alert: (text) => p.alert(text),
    crit: (text) => p.crit(text),
    error: (text) => p.err(text),
    warn: (text) => p.warning(text),
    notice: (text) => p.notice(text),
    info: (text) => p.info(text),
    debug: (text) => p.debug(text),
    close: () => dest.close(),
  };
}

export interface MemoryLogger extends Logger {
  readonly lines: { priority: Priority; text: string }[];
}

/** A logger that only records (tests, and processes before logging is configured). */
export function createMemoryLogger(detail: 0 | 1 | 2 = 0, limit = 10_000): MemoryLogger {
  const lines: { priority: Priority; text: string }[] = [];
  const push = (priority: Priority, text: string): void => {
    if (lines.length >= limit) lines.shift();
    lines.push({ priority, text });
  };
  return {
    detail,
    lines,
    log: push,
    emerg: (t) => push(Priority.emerg, t),
    alert: (t) => push(Priority.alert, t),
    crit: (t) => push(Priority.crit, t),
    error: (t) => push(Priority.err, t),
    warn: (t) => push(Priority.warning, t),
    notice: (t) => push(Priority.notice, t),
    info: (t) => push(Priority.info, t),
    debug: (t) => push(Priority.debug, t),
    close: async () => {},
  };
}

let current: Logger = createMemoryLogger(0, 1000);

/**
 * The process-wide logger. Until a process entry point calls
 * setProcessLogger(), messages are only kept in memory (the last 1000).
 */
export const log: Logger = {
  get detail() {
    return current.detail;
  },
  log: (p, t) => current.log(p, t),
  emerg: (t) => current.emerg(t),
  alert: (t) => current.alert(t),
  crit: (t) => current.crit(t),
  error: (t) => current.error(t),
  warn: (t) => current.warn(t),
  notice: (t) => current.notice(t),
  info: (t) => current.info(t),
  debug: (t) => current.debug(t),
  close: () => current.close(),
};

/** Installs the logger behind `log`; returns the previous one. */
export function setProcessLogger(logger: Logger): Logger {
  const previous = current;
  current = logger;
  return previous;
}

export function getProcessLogger(): Logger {
  return current;
}
