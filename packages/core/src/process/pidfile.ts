import { openSync, writeSync, closeSync, readFileSync, unlinkSync, constants } from 'node:fs';

/** keepalived's default pid files (configure --runstatedir=/run). */
export const DEFAULT_PID_FILES = {
  main: '/run/keepalived.pid',
  vrrp: '/run/keepalived_vrrp.pid',
  checker: '/run/keepalived_checkers.pid',
} as const;

export interface PidFileLog {
  info(text: string): void;
}

/** Writes "PID\n" with mode 0644, refusing to follow a symlink (as keepalived does). */
export function writePidFile(path: string, pid: number, log: PidFileLog): boolean {
  try {
    const fd = openSync(path, constants.O_NOFOLLOW | constants.O_CREAT | constants.O_WRONLY | constants.O_TRUNC, 0o644);
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch {
    log.info(`pidfile_write : Cannot open ${path} pidfile`);
    return false;
  }
}

export function removePidFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the pid belongs to a keepalived (ours or the C one). keepalived only
 * checks that the pid exists, so a recycled pid after an unclean stop blocks
 * its start; we also look at the command line.
 */
function looksLikeKeepalived(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('keepalived');
  } catch {
    return true; // cannot tell: be as cautious as keepalived
  }
}

/** keepalived's process_running(): true when a live instance holds the pid file; removes stale ones. */
export function pidFileHeldByLiveProcess(path: string, log: PidFileLog): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    log.info(`Error reading pid file ${path}`);
    removePidFile(path);
    return true; // keepalived: "we don't know if it is running or not"
  }
  if (pid === process.pid) return false;
  if (!processAlive(pid) || !looksLikeKeepalived(pid)) {
    log.info(`Remove a zombie pid file ${path}`);
    removePidFile(path);
    return false;
  }
  return true;
}
