// Netlink errors shaped like the native layer's SyscallError so callers handle both alike.
import { getSystemErrorMap } from 'node:util';
import type { SyscallError } from '@keepalived-ts/native';

const errnoNames = (() => {
  const byNumber = new Map<number, { code: string; text: string }>();
  // libuv keys the map by negative errno.
  for (const [neg, [code, text]] of getSystemErrorMap()) byNumber.set(-neg, { code, text });
  return byNumber;
})();

export function errnoCode(errno: number): string {
  return errnoNames.get(errno)?.code ?? `E${errno}`;
}

export class NetlinkError extends Error implements SyscallError {
  readonly errno: number;
  readonly code: string;
  /** The request type, e.g. 'RTM_NEWADDR'. */
  readonly syscall: string;
  /** The kernel's extended ack text, when it sent one. */
  readonly extMessage: string | undefined;

  constructor(syscall: string, errno: number, what: string, extMessage?: string) {
    const code = errnoCode(errno);
    const text = errnoNames.get(errno)?.text ?? `error ${errno}`;
    super(`${what}: ${text} (${code})${extMessage ? ` - ${extMessage}` : ''}`);
    this.name = 'NetlinkError';
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    this.extMessage = extMessage;
  }
}

/** An operation named an interface that does not exist (errno ENODEV). */
export function noSuchInterface(syscall: string, name: string): NetlinkError {
  return new NetlinkError(syscall, 19, `interface ${name} does not exist`);
}
