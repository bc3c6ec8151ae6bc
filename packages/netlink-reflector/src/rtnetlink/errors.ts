// Netlink errors shaped like the native layer's SyscallError so callers handle both alike.
import { errnoCode, errnoText, type SyscallError } from '@keepalived-ts/native';

export class NetlinkError extends Error implements SyscallError {
  readonly errno: number;
  readonly code: string;
  /** The request type, e.g. 'RTM_NEWADDR'. */
  readonly syscall: string;
  /** The kernel's extended ack text, when it sent one. */
  readonly extMessage: string | undefined;

  constructor(syscall: string, errno: number, what: string, extMessage?: string) {
    const code = errnoCode(errno);
    super(`${what}: ${errnoText(errno)} (${code})${extMessage ? ` - ${extMessage}` : ''}`);
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
