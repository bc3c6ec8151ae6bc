import { open, write, close, constants, unlink } from 'node:fs';
import { execFile } from 'node:child_process';

export interface FifoLog {
  info(text: string): void;
}

/**
 * keepalived's notify FIFO (lib/notify.c fifo_open): created with mode 0644 if
 * missing, opened O_RDWR | O_NONBLOCK so that opening never waits for a reader
 * and a write never blocks the daemon. A line that does not fit (no reader
 * draining a full pipe) is dropped, as keepalived drops it. Writes are
 * serialised so lines keep their order.
 */
export class NotifyFifo {
  private fd = -1;
  private createdFifo = false;
  private readonly queue: string[] = [];
  private writing = false;
  /** Lines dropped because the pipe was full. */
  dropped = 0;

  private constructor(readonly path: string, private readonly log: FifoLog) {}

  /** Opens (creating if needed) the FIFO; resolves to undefined when it cannot be used, after logging why. */
  static async open(path: string, log: FifoLog, type = ''): Promise<NotifyFifo | undefined> {
    const fifo = new NotifyFifo(path, log);
    const made = await new Promise<Error | null>((resolve) =>
      execFile('mkfifo', ['-m', '0644', path], (err) => resolve(err)),
    );
    if (!made) fifo.createdFifo = true;
    const fd = await new Promise<number>((resolve) =>
      open(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW, (err, fd) => {
        if (err) {
          log.info(`Unable to open ${type}notify fifo ${path} - errno ${-(err.errno ?? 0)}`);
          resolve(-1);
        } else resolve(fd);
      }),
    );
    if (fd < 0) {
      if (fifo.createdFifo) unlink(path, () => undefined);
      return undefined;
    }
    fifo.fd = fd;
    return fifo;
  }

  writeLine(line: string): void {
    if (this.fd < 0) return;
    this.queue.push(line);
    if (!this.writing) this.drain();
  }

  private drain(): void {
    const line = this.queue.shift();
    if (line === undefined || this.fd < 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    write(this.fd, line, (err) => {
      if (err) this.dropped++;
      this.drain();
    });
  }

  /** keepalived unlinks a FIFO it created before closing, so a reader looping on reopen cannot reopen it. */
  close(): void {
    if (this.createdFifo) unlink(this.path, () => undefined);
    if (this.fd >= 0) close(this.fd, () => undefined);
    this.fd = -1;
  }
}

/** keepalived's VRRP FIFO line: `INSTANCE "VI_1" MASTER 100` / `GROUP "G1" BACKUP 0`. */
export function vrrpFifoLine(kind: 'INSTANCE' | 'GROUP', name: string, state: string, priority: number): string {
  return `${kind} "${name}" ${state} ${priority}\n`;
}
