import { closeSync, constants as fsConstants, openSync, writeSync } from 'node:fs';
import { execa } from 'execa';
import { splitCommand } from './misc.js';

/**
 * lvs_notify_fifo / notify_fifo writer: opened once (read-write so a FIFO
 * without a reader does not block or fail), each line written with one
 * write(2) in event order, errors ignored as keepalived does.
 */
export class FifoWriter {
  private fds: number[] = [];

  constructor(paths: Array<string | undefined>) {
    for (const p of paths) {
      if (!p) continue;
      try {
        this.fds.push(openSync(p, fsConstants.O_RDWR | fsConstants.O_NONBLOCK | fsConstants.O_APPEND));
      } catch {
        /* keepalived logs and carries on without the FIFO */
      }
    }
  }

  write(line: string): void {
    const b = Buffer.from(line);
    for (const fd of this.fds) {
      try {
        writeSync(fd, b);
      } catch {
        /* EAGAIN on a full FIFO: dropped, like keepalived */
      }
    }
  }

  close(): void {
    for (const fd of this.fds) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.fds = [];
  }
}

export interface NotifyRunner {
  /** Runs a notify command (words of the configured string, no extra arguments). */
  run(command: string, opts: { stopping: boolean }): Promise<void>;
}

/**
 * notify_up/notify_down/quorum_up/quorum_down: argv is exactly the words of
 * the configured string. Asynchronous; on stop a script gets one second.
 */
export class ExecNotifyRunner implements NotifyRunner {
  constructor(private readonly ids?: { uid: number; gid: number }) {}

  async run(command: string, opts: { stopping: boolean }): Promise<void> {
    const argv = splitCommand(command);
    if (!argv.length) return;
    try {
      await execa(argv[0]!, argv.slice(1), {
        reject: false,
        stdin: 'ignore',
        stdout: 'ignore',
        stderr: 'ignore',
        timeout: opts.stopping ? 1000 : undefined,
        uid: this.ids?.uid,
        gid: this.ids?.gid,
      });
    } catch {
      /* a missing script is not our failure */
    }
  }
}
