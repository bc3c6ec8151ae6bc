import { AF_UNIX } from './constants.js';

/** struct sockaddr_un for a filesystem path (e.g. /dev/log). */
export function encodeSockaddrUn(path: string): Buffer {
  const p = Buffer.from(path, 'utf8');
  if (p.length > 107) throw new RangeError(`unix socket path too long (${p.length} > 107): ${path}`);
  const buf = Buffer.alloc(2 + p.length + 1);
  buf.writeUInt16LE(AF_UNIX, 0);
  p.copy(buf, 2);
  return buf;
}
