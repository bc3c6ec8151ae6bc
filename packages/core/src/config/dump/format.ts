/** Small formatters shared by the dump sections (C printf / ctime equivalents). */
import type { ScriptCommand } from '../model/index.js';

export interface ScriptFormatOptions {
  /**
   * keepalived prints scripts after resolving the executable (realpath, PATH
   * search): /bin/true becomes /usr/bin/true. The running daemon supplies the
   * resolver; without one the path is printed as configured.
   */
  resolveScriptPath?(path: string): string;
  /** "uid:gid" the script runs as (default "0:0"). */
  scriptUidGid?(script: ScriptCommand): string;
}

/** keepalived's cmd_str(): every word quoted, except a leading redirection-only word. */
export function cmdStr(script: ScriptCommand, opts: ScriptFormatOptions = {}): string {
  return script.args
    .map((a, i) => {
      const word = i === 0 && opts.resolveScriptPath ? opts.resolveScriptPath(a) : a;
      return i === 0 && (word.startsWith('<') || word.startsWith('>')) ? word : `'${word}'`;
    })
    .join(' ');
}

export function uidGid(script: ScriptCommand, opts: ScriptFormatOptions = {}): string {
  return opts.scriptUidGid?.(script) ?? '0:0';
}

/** printf("%f") */
export const fixed6 = (v: number): string => v.toFixed(6);

/** keepalived's format_decimal(val, 6): integer microseconds as "s.uuuuuu". */
export function formatDecimalUs(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

/** printf("%g") for the magnitudes keepalived prints (intervals, delays). */
export function formatG(v: number): string {
  return String(Number(v.toPrecision(6)));
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** ctime(3) without the newline, in the process's local time zone: "Sun Nov 22 12:03:47 2026". */
export function ctime(sec: number): string {
  const d = new Date(sec * 1000);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** A time as keepalived stores it: whole seconds and microseconds since the epoch. */
export interface Timeval {
  sec: number;
  usec: number;
}

const usec6 = (t: Timeval): string => String(t.usec).padStart(6, '0');

/** "%ld.%6.6ld (%.24s.%6.6ld)": "1795349027.636989 (Sun Nov 22 12:03:47 2026.636989)" */
export function timevalCtime24(t: Timeval): string {
  return `${t.sec}.${usec6(t)} (${ctime(t.sec)}.${usec6(t)})`;
}

/** "%ld.%6.6ld (%.19s.%6.6ld)": "1795351309.332412 (Sun Nov 22 12:41:49.332412)" */
export function timevalCtime19(t: Timeval): string {
  return `${t.sec}.${usec6(t)} (${ctime(t.sec).slice(0, 19)}.${usec6(t)})`;
}

/** ctime_us_r(): "1795346044.712906 (Sun Nov 22 11:14:04.712906 2026)" */
export function timevalCtimeUs(t: Timeval): string {
  const c = ctime(t.sec);
  return `${t.sec}.${usec6(t)} (${c.slice(0, 19)}.${usec6(t)}${c.slice(19)})`;
}

/** Bracketed address as inet_sockaddrtos prints it inside FMT_RS: "[addr]:proto:port". */
export function trio(address: string, protocol: string | undefined, port: number): string {
  return `[${address}]:${protocol ? protocol.toLowerCase() : 'none'}:${port}`;
}
