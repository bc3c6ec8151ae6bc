import { constants } from 'node:os';

export type ConnectFailure = 'timeout' | 'refused' | 'unreachable' | 'error';

export class ConnectError extends Error {
  constructor(
    readonly kind: ConnectFailure,
    message: string,
  ) {
    super(message);
  }
}

/** How an errno code ('ECONNREFUSED', ...) counts for a checker. */
export function classifyCode(code: string | undefined): ConnectFailure {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH') return 'unreachable';
  if (code === 'ETIMEDOUT') return 'timeout';
  return 'error';
}

let names: Map<number, string> | undefined;
/** The errno code for a number, e.g. an SO_ERROR value (111 -> 'ECONNREFUSED'). */
export function errnoName(errno: number): string {
  names ??= new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
  return names.get(errno) ?? `E${errno}`;
}
