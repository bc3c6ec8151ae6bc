/**
 * The file-system operations the reader needs, injectable for tests (e.g. an
 * unreadable file while running as root). All paths are byte strings (see
 * bytes.ts); the default implementation hands them to node as Buffers so
 * non-UTF-8 file names survive.
 */
import * as fs from 'node:fs';

export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  /** st_mode permission bits. */
  mode: number;
}

export interface ReaderFs {
  /** Whole file as bytes; throws an Error with `code` (EACCES, EISDIR, ...) on failure. */
  readFile(path: string): Buffer;
  /** stat(2), following symlinks; undefined if it fails. */
  stat(path: string): FileInfo | undefined;
  /** lstat(2) succeeded (the entry exists, even as a dangling symlink). */
  exists(path: string): boolean;
  /** Entry names (byte strings) or undefined if the directory can't be opened. */
  readdir(path: string): string[] | undefined;
  /** Canonical path, or undefined if it can't be resolved. */
  realpath(path: string): string | undefined;
  /** access(path, R_OK) */
  canRead(path: string): boolean;
}

const b = (p: string): Buffer => Buffer.from(p, 'latin1');

export const nodeReaderFs: ReaderFs = {
  readFile: (p) => fs.readFileSync(b(p)),
  stat(p) {
    try {
      const st = fs.statSync(b(p));
      return { isFile: st.isFile(), isDirectory: st.isDirectory(), mode: st.mode & 0o7777 };
    } catch {
      return undefined;
    }
  },
  exists(p) {
    try {
      fs.lstatSync(b(p));
      return true;
    } catch {
      return false;
    }
  },
  readdir(p) {
    try {
      return fs.readdirSync(b(p), { encoding: 'buffer' }).map((e) => e.toString('latin1'));
    } catch {
      return undefined;
    }
  },
  realpath(p) {
    try {
      return fs.realpathSync(b(p), { encoding: 'buffer' }).toString('latin1');
    } catch {
      return undefined;
    }
  },
  canRead(p) {
    try {
      fs.accessSync(b(p), fs.constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
};

const STRERROR: Record<string, string> = {
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ELOOP: 'Too many levels of symbolic links',
  EIO: 'Input/output error',
  ENAMETOOLONG: 'File name too long',
  ENOMEM: 'Cannot allocate memory',
};

/** strerror(errno) text for a node error. */
export function strerror(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  return (code && STRERROR[code]) ?? (err instanceof Error ? err.message : String(err));
}
