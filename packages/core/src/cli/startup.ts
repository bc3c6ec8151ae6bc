/**
 * The lines keepalived's parent logs as it starts, before and while it reads
 * its configuration:
 *   Starting Keepalived v2.2.7 (01/16,2022)
 *   Running on Linux 6.1.0 #1 SMP ... (built for Linux 5.19.11)
 *   Command line: 'keepalived' '-n' ... (wrapped at 100 columns)
 *   Opening file 'keepalived.conf'.       (only with -D)
 *   Configuration file keepalived.conf
 */
import path from 'node:path';
import type { Logger } from '../log/logger.js';
import { BUILT_FOR_KERNEL, KEEPALIVED_VERSION_STRING, currentUname, type Uname } from './version.js';

const LOG_OPTIONS_WIDTH = 100;

/** keepalived's get_end(): where a line of at most maxLen characters of str ends (at a space if it can). */
function lineEnd(str: string, from: number, maxLen: number): number {
  if (str.length - from <= maxLen) return str.length;
  let end = from + maxLen;
  if (str[end] === ' ') return end;
  while (end > from && str[--end] !== ' ');
  return end > from ? end : from + maxLen;
}

/**
 * keepalived's log_options(): "OPTION: text" wrapped so that no line's text
 * exceeds 100 - len(OPTION) characters; continuation lines are indented
 * under the text.
 */
export function wrapOptionLines(option: string, text: string, indent = 0): string[] {
  const lines: string[] = [];
  const maxLen = LOG_OPTIONS_WIDTH - option.length;
  let p = 0;
  while (p < text.length) {
    while (text[p] === ' ') p++;
    // keepalived loops on *p after skipping spaces, so trailing spaces can yield one empty line.
    const end = lineEnd(text, p, maxLen);
    const chunk = text.slice(p, end);
    if (lines.length === 0) lines.push(`${' '.repeat(indent)}${option}: ${chunk}`);
    else lines.push(`${' '.repeat(indent + option.length + 2)}${chunk}`);
    p = end;
  }
  return lines;
}

/** keepalived's log_command_line(): every argument in single quotes, argv[0] included. */
export function commandLineLines(argv: readonly string[], indent = 0): string[] {
  return wrapOptionLines('Command line', argv.map((a) => `'${a}'`).join(' '), indent);
}

/** KERNEL_VERSION() from <linux/version.h> (the release byte saturates at 255). */
function kernelVersion(major: number, minor: number, release: number): number {
  return major * 65536 + minor * 256 + Math.min(release, 255);
}

/** keepalived's parse of uname's release "MAJOR.MINOR.RELEASE..."; undefined if it does not parse. */
export function parseKernelRelease(release: string): { major: number; minor: number; release: number } | undefined {
  const m = /^\s*\+?(\d+)\.\s*\+?(\d+)\.(\d+)/.exec(release);
  if (!m) return undefined;
  const major = Number(m[1]);
  if (major === 0) return undefined;
  return { major, minor: Number(m[2]), release: Number(m[3]) };
}

/** The start-up lines, in order, up to and including the command line. */
export function startupLines(argv: readonly string[], uname: Uname = currentUname()): string[] {
  const lines = [`Starting ${KEEPALIVED_VERSION_STRING}`];
  const k = parseKernelRelease(uname.release);
  const built = BUILT_FOR_KERNEL;
  const builtText = `Linux ${built.major}.${built.minor}.${built.release}`;
  if (!k) lines.push(`Unable to parse kernel version ${uname.release}`);
  else if (kernelVersion(k.major, k.minor, k.release) < kernelVersion(built.major, built.minor, built.release)) {
    lines.push(
      `WARNING - keepalived was built for newer ${builtText}, running on ${uname.sysname} ${uname.release} ${uname.version}`,
    );
  } else {
    lines.push(`Running on ${uname.sysname} ${uname.release} ${uname.version} (built for ${builtText})`);
  }
  lines.push(...commandLineLines(argv));
  return lines;
}

/**
 * Logs the start-up lines. `argv` is the whole command line as keepalived
 * saw it, argv[0] included (e.g. ['keepalived', '-n', '-l', '-D']).
 */
export function logStartup(log: Logger, argv: readonly string[], uname: Uname = currentUname()): void {
  for (const line of startupLines(argv, uname)) log.info(line);
}

/**
 * The lines keepalived logs while opening its configuration: each file it
 * opens ("Opening file 'X'.", only with -D) and, once the first file is
 * open, "Configuration file PATH" with the -f argument as given.
 * `files` is every file read, in order (ConfigTree.files).
 */
export function configFileLines(configFile: string, files: readonly string[], detail: number): string[] {
  const lines: string[] = [];
  // keepalived names a file as glob() returned it: the main file as given with -f, not resolved.
  const mainResolved = path.resolve(configFile);
  const opening = (f: string): void => {
    if (detail > 0) lines.push(`Opening file '${f === mainResolved ? configFile : f}'.`);
  };
  if (files.length > 0) opening(files[0]!);
  lines.push(`Configuration file ${configFile}`);
  for (const f of files.slice(1)) opening(f);
  return lines;
}

export function logConfigFiles(log: Logger, configFile: string, files: readonly string[]): void {
  for (const line of configFileLines(configFile, files, log.detail)) log.info(line);
}

/** CPU times in microseconds, as getrusage() reports them. */
export interface CpuTimes {
  user: number;
  system: number;
}

const secUsec = (us: number): string => `${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;

/**
 * The parent's last lines: with -D its CPU usage (self/children), then
 * "Stopped Keepalived v2.2.7 (01/16,2022)".
 */
export function stoppedLines(detail: number, self: CpuTimes, children: CpuTimes = { user: 0, system: 0 }): string[] {
  const lines: string[] = [];
  if (detail > 0) {
    lines.push(
      `CPU usage (self/children) user: ${secUsec(self.user)}/${secUsec(children.user)} system: ${secUsec(self.system)}/${secUsec(children.system)}`,
    );
  }
  lines.push(`Stopped ${KEEPALIVED_VERSION_STRING}`);
  return lines;
}

/** Our own CPU times (children's are the supervisor's to add). */
export function processCpuTimes(): CpuTimes {
  const u = process.resourceUsage();
  return { user: u.userCPUTime, system: u.systemCPUTime };
}
