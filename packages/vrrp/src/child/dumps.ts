/**
 * The VRRP child's on-demand dumps (SIGUSR1 / SIGUSR2 / SIGSTATS_CLEAR /
 * SIGJSON, or the parent's 'dump' message): keepalived.data,
 * keepalived.stats, keepalived.json in keepalived's tmp directory ($TMPDIR or
 * /tmp). The text is built synchronously (a consistent snapshot, and
 * STATS_CLEAR clears right after printing), the file is written
 * asynchronously so the advert path never waits on the disk. Files are
 * created as keepalived's fopen_safe does: a private temporary file, mode
 * 0666 & ~umask, renamed over the target.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import type { DumpKind } from '@keepalived-ts/core';

export interface DumpTarget {
  /** keepalived.data text (dataFileForProcess('vrrp', ...)). */
  dataText(): string;
  statsText(): string;
  clearStats(): void;
  /** keepalived.json text; undefined when there are no instances (keepalived writes nothing then). */
  jsonText(): string | undefined;
}

export interface DumpWriterOptions {
  tmpDir: string;
  /** keepalived's umask_val (global_defs umask, -u); files get 0666 & ~umask. */
  umask: number;
  /** data_use_instance: keepalived.NS_INSTANCE.data */
  dataFileSuffix?: string;
  log: { info(text: string): void };
  pid?: number;
}

/** fopen_safe(path, "w") + write + fclose, without blocking: temp file, chmod, rename. */
export async function writeFileSafe(path: string, text: string, umask: number): Promise<void> {
  const tmp = `${path}${randomBytes(4).toString('hex').slice(0, 6)}`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.chmod(0o666 & ~umask);
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

export class ChildDumper {
  /** Writes still in flight (awaited at shutdown and by tests). */
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly target: DumpTarget,
    private readonly opts: DumpWriterOptions,
  ) {}

  handle(kind: DumpKind): void {
    const pid = this.opts.pid ?? process.pid;
    const log = this.opts.log;
    switch (kind) {
      case 'data':
        log.info(`Printing VRRP data for process(${pid}) on signal`);
        this.write(`keepalived${this.opts.dataFileSuffix ?? ''}.data`, this.target.dataText(), (f, e) => `Can't open dump file ${f} (${e})`);
        break;
      case 'stats':
      case 'stats_clear': {
        log.info(`Printing ${kind === 'stats_clear' ? 'and clearing ' : ''}VRRP stats for process(${pid}) on signal`);
        const text = this.target.statsText();
        if (kind === 'stats_clear') this.target.clearStats();
        this.write('keepalived.stats', text, (f, e) => `Can't open ${this.opts.tmpDir}/${f} (${e})`);
        break;
      }
      case 'json': {
        log.info(`Printing VRRP as json for process(${pid}) on signal`);
        const text = this.target.jsonText();
        if (text !== undefined) this.write('keepalived.json', text, (f, e) => `Can't open ${this.opts.tmpDir}/${f} (${e})`);
        break;
      }
    }
  }

  async settle(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  private write(file: string, text: string, failure: (file: string, err: string) => string): void {
    const p = writeFileSafe(`${this.opts.tmpDir}/${file}`, text, this.opts.umask)
      .catch((e: NodeJS.ErrnoException) => {
        this.opts.log.info(failure(file, `${e.errno !== undefined ? -e.errno : 0}: ${e.message}`));
      })
      .finally(() => this.writes.delete(p));
    this.writes.add(p);
  }
}
