import type { NativeBinding, SyscallError } from './binding.js';
import { isSyscallError } from './binding.js';
import { AF_PACKET, SOCK_RAW } from './constants.js';

export type Capability = 'CAP_NET_RAW' | 'CAP_NET_ADMIN';

/** Still a SyscallError (same errno/code/syscall) with a message saying what to grant. */
export interface PrivilegeError extends SyscallError {
  capability: Capability;
}

/** Which capability the kernel checks for socket(domain, type): raw and packet sockets need CAP_NET_RAW. */
export function capabilityForSocket(domain: number, type: number): Capability {
  return domain === AF_PACKET || type === SOCK_RAW ? 'CAP_NET_RAW' : 'CAP_NET_ADMIN';
}

/**
 * Turns EPERM/EACCES into "cannot <what>: CAP_NET_RAW required (EPERM)";
 * anything else passes through unchanged.
 */
export function explainPrivilegeError(err: unknown, what: string, capability: Capability): unknown {
  if (!isSyscallError(err) || (err.code !== 'EPERM' && err.code !== 'EACCES')) return err;
  const e = new Error(`cannot ${what}: ${capability} required (${err.code})`) as PrivilegeError;
  e.errno = err.errno;
  e.code = err.code;
  e.syscall = err.syscall;
  e.capability = capability;
  return e;
}

/** socket(2) whose permission failure names the missing capability, e.g. what = 'open raw VRRP socket'. */
export function openPrivilegedSocket(
  native: NativeBinding, domain: number, type: number, protocol: number, what: string,
): number {
  try {
    return native.socket(domain, type, protocol);
  } catch (e) {
    throw explainPrivilegeError(e, what, capabilityForSocket(domain, type));
  }
}
