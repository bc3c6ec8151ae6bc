/**
 * -g[FILE] log files. keepalived puts a relative name under its temporary
 * directory ($TMPDIR if absolute, else /tmp) and gives each process its own
 * file by inserting "_vrrp", "_check", "_bfd" (then namespace and instance
 * name) before the extension: -g gives /tmp/keepalived.log for the parent
 * and /tmp/keepalived_vrrp.log for the VRRP child.
 */
import fs from 'node:fs';
import { pino } from 'pino';
import type { FileSink } from './logger.js';

/** keepalived's tmp_dir. */
export function keepalivedTmpDir(env: NodeJS.ProcessEnv = process.env): string {
  const t = env['TMPDIR'];
  return t && t.startsWith('/') ? t : '/tmp';
}

/** The file suffix keepalived's children use ("vrrp", "check", "bfd"); none for the parent. */
export const LogFileProg = { parent: undefined, vrrp: 'vrrp', checkers: 'check', bfd: 'bfd' } as const;

/** keepalived's make_file_name(). */
export function makeLogFileName(
  name: string,
  prog?: string,
  namespace?: string,
  instance?: string,
  tmpDir: string = keepalivedTmpDir(),
): string {
  const dirEnd = name.lastIndexOf('/');
  const dot = name.indexOf('.', dirEnd === -1 ? 0 : dirEnd);
  const lastDot = dot === -1 ? -1 : name.lastIndexOf('.');
  const stem = lastDot === -1 ? name : name.slice(0, lastDot);
  const ext = lastDot === -1 ? '' : name.slice(lastDot);
  let out = name.startsWith('/') ? stem : `${tmpDir}/${stem}`;
  if (prog) out += `_${prog}`;
  if (namespace) out += `_${namespace}`;
  if (instance) out += `_${instance}`;
  return out + ext;
}

/**
 * Opens a log file for appending without blocking the event loop per line
 * (SonicBoom, asynchronous unless --flush-log-file asks for every line to
 * reach the file at once). Returns undefined if it cannot be opened:
 * keepalived then simply has no log file.
 */
export function openLogFile(file: string, flushEachLine = false): FileSink | undefined {
  let fd: number;
  try {
    // Opened here, synchronously, so a failure is known now; like keepalived's fopen_safe() no symlinks.
    const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
    fd = fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o644);
  } catch {
    return undefined;
  }
  const sink = pino.destination({ dest: fd, sync: flushEachLine });
  // A full disk must not crash a daemon: a failed write loses log lines, as fprintf() would.
  sink.on('error', () => {});
  return sink;
}
