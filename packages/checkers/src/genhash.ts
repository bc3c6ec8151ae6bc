/**
 * genhash(1) / `keepalived --genhash` (-T): fetch one URL the way HTTP_GET
 * does and print the MD5 of the body, for pasting into a `digest` keyword.
 * Options, messages and the -v dumps follow keepalived 2.2.7's
 * check_genhash.c. One deliberate difference: without -t, 2.2.7 overflows
 * its timeout and reports "Connection failed"; we use 5 seconds.
 */
import { isIP } from 'node:net';
import { createHash } from 'node:crypto';
import { httpFetch, type HttpProtocol } from './http-fetch.js';

export interface GenhashIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export interface GenhashOptions {
  /** Print usage as `keepalived --genhash` (the -T entry point). */
  asKeepalived?: boolean;
  /** The program name usage lines print (keepalived prints its argv[0] as invoked). */
  prog?: string;
  io?: GenhashIo;
}

const DEFAULT_TIMEOUT_S = 5;

export function genhashUsage(prog: string, asKeepalived: boolean): string {
  return (
    `Usage: ${prog}${asKeepalived ? ' --genhash' : ''} COMMAND [OPTIONS]\n` +
    'Commands:\n' +
    '   -s server-address -p port -u url\n' +
    '   -S -s server-address -p port -u url\n' +
    '   -h\n\n' +
    'Options:\n' +
    'Either long or short options are allowed.\n' +
    '   --use-ssl         -S       Use SSL connection to remote server.\n' +
    '   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n' +
    '   --server          -s       Use the specified remote server address.\n' +
    '   --port            -p       Use the specified remote server port.\n' +
    '   --url             -u       Use the specified remote server url.\n' +
    '   --use-virtualhost -V       Use the specified virtualhost in GET query.\n' +
    '   --verbose         -v       Use verbose mode output.\n' +
    '   --help            -h       Display this short inlined help screen.\n' +
    '   --fwmark          -m       Use the specified FW mark.\n' +
    "   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n" +
    "                                1.0c means 1.0 with 'Connection: close'\n" +
    '   --timeout         -t       Timeout in seconds\n'
  );
}

export interface GenhashArgs {
  server: string;
  port: number;
  url: string;
  ssl: boolean;
  sni: boolean;
  virtualhost?: string;
  verbose: boolean;
  fwmark?: number;
  protocol: HttpProtocol;
  timeoutS: number;
}

const LONG: Record<string, { short: string; arg: boolean }> = {
  help: { short: 'h', arg: false },
  verbose: { short: 'v', arg: false },
  'use-ssl': { short: 'S', arg: false },
  'use-sni': { short: 'I', arg: false },
  server: { short: 's', arg: true },
  'use-virtualhost': { short: 'V', arg: true },
  port: { short: 'p', arg: true },
  url: { short: 'u', arg: true },
  fwmark: { short: 'm', arg: true },
  protocol: { short: 'P', arg: true },
  timeout: { short: 't', arg: true },
};
const SHORT_WITH_ARG = new Set(['s', 'V', 'p', 'u', 'm', 'P', 't']);
const SHORT_FLAGS = new Set(['h', 'v', 'S', 'I']);

/** getopt_long-style parse; returns the args, or the error text (possibly empty) before usage. */
export function parseGenhashArgs(argv: string[], asKeepalived = false): GenhashArgs | { error: string } {
  // genhash's `argc <= 1` check sees one argument as none; keepalived -T hands
  // genhash an argv that makes any argument count (`keepalived -T -s` reports the missing parameter)
  if (argv.length <= (asKeepalived ? 0 : 1)) return { error: '' };
  const a: Partial<GenhashArgs> & { protocol: HttpProtocol; timeoutS: number; ssl: boolean; sni: boolean; verbose: boolean } = {
    protocol: '1.0',
    timeoutS: DEFAULT_TIMEOUT_S,
    ssl: false,
    sni: false,
    verbose: false,
  };
  const errors: string[] = [];
  const operands: string[] = [];
  let bad = false;
  const apply = (opt: string, val: string | undefined): string | null => {
    switch (opt) {
      case 'h':
        bad = true;
        return null;
      case 'v':
        a.verbose = true;
        return null;
      case 'S':
        a.ssl = true;
        return null;
      case 'I':
        a.sni = true;
        return null;
      case 's':
        if (!isIP(val!)) return `server should be an IP, not ${val}\n`;
        a.server = val;
        return null;
      case 'V':
        a.virtualhost = val;
        return null;
      case 'p': {
        const n = /^[+-]?\d+$/.test(val!.trim()) && val!.trim() === val ? Number(val) : NaN;
        if (!Number.isInteger(n) || n <= 0 || n > 65535) return `invalid port number '${val}'\n`;
        a.port = n;
        return null;
      }
      case 'u':
        a.url = val;
        return null;
      case 'm': {
        const s = val!.replace(/^[ \t]+/, '');
        if (!/^\d*$/.test(s) || s.startsWith('-') || s.startsWith(' ')) return `invalid fwmark '${val}'\n`;
        a.fwmark = s === '' ? 0 : Number(s);
        return null;
      }
      case 'P':
        if (val === '1.0') a.protocol = '1.0';
        else if (val === '1.0c' || val === '1.0C') a.protocol = '1.0C';
        else if (val === '1.1') a.protocol = '1.1';
        else return `invalid HTTP protocol version '${val}'\n`;
        return null;
      case 't': {
        const s = val!.replace(/^[ \t]+/, '');
        if (!/^\d+$/.test(s)) return `invalid timeout '${val}'\n`;
        a.timeoutS = Number(s);
        return null;
      }
    }
    return null;
  };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (w.startsWith('--')) {
      const [name, inline] = w.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const matches = Object.keys(LONG).filter((k) => k.startsWith(name));
      const key = LONG[name] ? name : matches.length === 1 ? matches[0] : undefined;
      if (!key) {
        errors.push(`Unknown option ${w}\n`);
        bad = true;
        continue;
      }
      const spec = LONG[key]!;
      let val = inline;
      if (spec.arg && val === undefined) {
        if (i + 1 >= argv.length) {
          errors.push(`Missing parameter for option --${key}\n`);
          bad = true;
          continue;
        }
        val = argv[++i];
      }
      const err = apply(spec.short, val);
      if (err) return { error: errors.join('') + err };
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      for (let j = 1; j < w.length; j++) {
        const ch = w[j]!;
        if (SHORT_WITH_ARG.has(ch)) {
          let val = w.slice(j + 1);
          if (val === '') {
            if (i + 1 >= argv.length) {
              errors.push(`Missing parameter for option -${ch}\n`);
              bad = true;
              break;
            }
            val = argv[++i]!;
          }
          const err = apply(ch, val);
          if (err) return { error: errors.join('') + err };
          break;
        }
        if (SHORT_FLAGS.has(ch)) apply(ch, undefined);
        else {
          errors.push(`Unknown option -${ch}\n`);
          bad = true;
        }
      }
      continue;
    }
    operands.push(w);
  }
  if (bad) return { error: errors.join('') };
  if (operands.length) return { error: `Unexpected argument(s): ${operands.join(' ')}\n` };
  if (a.server === undefined || a.port === undefined || a.url === undefined) return { error: '' };
  return a as GenhashArgs;
}

/** keepalived's dump_buffer(): 16 bytes a row, decimal offset, " -" after 8, ASCII column. */
export function dumpBuffer(buf: Buffer): string {
  let out = '';
  const total = buf.length % 16 ? buf.length + (16 - (buf.length % 16)) : buf.length;
  for (let i = 0; i < total; i++) {
    if (i % 16 === 0) out += `${String(i & 0xffff).padStart(4, '0')} `;
    out += i < buf.length ? ` ${buf[i]!.toString(16).padStart(2, '0')}` : '   ';
    if ((i + 1) % 8 === 0) {
      if ((i + 1) % 16) out += ' -';
      else {
        out += '   ';
        for (let j = i - 15; j <= i; j++) {
          if (j < buf.length) out += buf[j]! >= 0x20 && buf[j]! <= 0x7e ? String.fromCharCode(buf[j]!) : '.';
          else out += ' ';
        }
        out += '\n';
      }
    }
  }
  return out;
}

const delim = (title: string): string => `-----------------------[${title}]-----------------------\n`;

/** Runs genhash; returns the process exit status. */
export async function genhashMain(argv: string[], opts: GenhashOptions = {}): Promise<number> {
  const io: GenhashIo = opts.io ?? {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
  };
  const prog = opts.prog ?? (opts.asKeepalived ? 'keepalived' : 'genhash');
  const parsed = parseGenhashArgs(argv, opts.asKeepalived ?? false);
  if ('error' in parsed) {
    io.stderr(parsed.error + genhashUsage(prog, opts.asKeepalived ?? false));
    return 1;
  }
  const started = process.hrtime.bigint();
  const verbose = makeVerbosePrinter(io);
  const res = await httpFetch({
    dst: { ip: parsed.server, port: parsed.port, family: isIP(parsed.server) === 6 ? 6 : 4 },
    fwmark: parsed.fwmark,
    log: (m) => io.stderr(`${m}\n`),
    timeoutMs: parsed.timeoutS * 1000,
    path: parsed.url,
    virtualhost: parsed.virtualhost,
    protocol: parsed.protocol,
    ssl: parsed.ssl,
    sni: parsed.sni,
    onChunk: parsed.verbose ? verbose.chunk : undefined,
  });
  if (!res.ok) io.stdout(`${res.stage}\n`);
  else if (!res.header) io.stderr('no data received from remote webserver\n');
  else {
    if (parsed.verbose) verbose.finish(res.md5);
    io.stdout(`${res.md5}\n`);
  }
  if (parsed.verbose) {
    const us = (process.hrtime.bigint() - started) / 1000n;
    io.stdout(`\nGlobal response time for [${parsed.url}] = ${us} usecs\n`);
  }
  return 0;
}

/** Mirrors http_process_response()'s -v output chunk by chunk. */
function makeVerbosePrinter(io: GenhashIo): { chunk: (b: Buffer) => void; finish: (md5: string) => void } {
  let pending = Buffer.alloc(0);
  let extracted = false;
  let contentLength: number | undefined;
  let rx = 0;
  return {
    chunk(b) {
      if (!extracted) {
        io.stdout(delim('    HTTP Header Buffer    '));
        pending = Buffer.concat([pending, b]);
        const at = pending.indexOf('\r\n\r\n');
        if (at < 0) return;
        extracted = true;
        const header = pending.subarray(0, at + 4);
        const m = /Content-Length:[ \t]*(\d+)\r?\n/.exec(header.toString('latin1'));
        contentLength = m ? Number(m[1]) : undefined;
        io.stdout(dumpBuffer(header));
        io.stdout(delim(' HTTP Header Ascii Buffer '));
        io.stdout(`${header.toString('latin1')}\n`);
        const body = pending.subarray(at + 4);
        if (body.length) {
          io.stdout(delim('        HTML Buffer        '));
          io.stdout(dumpBuffer(capped(body)));
        }
        rx = body.length;
        return;
      }
      io.stdout(dumpBuffer(capped(b)));
      rx += b.length;
    },
    finish(md5) {
      io.stdout('\n');
      io.stdout(delim('    HTML hash resulting    '));
      io.stdout(dumpBuffer(Buffer.from(md5, 'hex')));
      io.stdout(delim(' HTML hash final resulting '));
    },
  };
  function capped(b: Buffer): Buffer {
    if (contentLength === undefined) return b;
    return b.subarray(0, Math.max(0, Math.min(b.length, contentLength - rx)));
  }
}

/** MD5 hex of a buffer (handy for writing `digest` values in tests and tools). */
export function md5Hex(b: Buffer | string): string {
  return createHash('md5').update(b).digest('hex');
}
