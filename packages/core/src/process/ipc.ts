/**
 * The IPC contract between the watchdog parent and its children (VRRP,
 * checker). Messages travel over the child_process IPC channel as JSON.
 * Both sides import only this file, so the contract lives in one place.
 */

export type ChildRole = 'vrrp' | 'checker';

export type DumpKind = 'data' | 'stats' | 'stats_clear' | 'json';

/** Parent -> child. */
export type ParentMessage =
  | { type: 'ping'; seq: number }
  | { type: 'reload' }
  | { type: 'dump'; kind: DumpKind }
  /** `keepalived --status`: the child answers with { type: 'status', id, status }. */
  | { type: 'status-request'; id: number }
  | { type: 'stop' };

/** Child -> parent. */
export type ChildMessage =
  | { type: 'pong'; seq: number; /** how late the child's event loop answered, ms */ lagMs: number }
  | { type: 'ready' }
  | { type: 'reloaded'; ok: boolean; error?: string }
  | { type: 'status'; id?: number; status: unknown };

const parentTypes = new Set(['ping', 'reload', 'dump', 'status-request', 'stop']);
const childTypes = new Set(['pong', 'ready', 'reloaded', 'status']);

function hasType(m: unknown): m is { type: string } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string';
}

export function isParentMessage(m: unknown): m is ParentMessage {
  return hasType(m) && parentTypes.has(m.type);
}

export function isChildMessage(m: unknown): m is ChildMessage {
  return hasType(m) && childTypes.has(m.type);
}

/** keepalived's program names, used in its exit and respawn messages. */
export const PROG_NAME: Record<ChildRole, string> = {
  vrrp: 'Keepalived_vrrp',
  checker: 'Keepalived_healthcheckers',
};

/** The word keepalived uses in "Starting %s child process" / "%s child process(%d) died". */
export const CHILD_LABEL: Record<ChildRole, string> = {
  vrrp: 'VRRP',
  checker: 'Healthcheck',
};
