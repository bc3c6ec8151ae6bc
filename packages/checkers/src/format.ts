import { isIPv6 } from 'node:net';
import type { ServiceProtocol } from './model.js';

/** keepalived's inet_sockaddrtotrio: "[ip]:proto:port". */
export function formatTrio(ip: string, protocol: ServiceProtocol, port: number): string {
  return `[${ip}]:${protocol}:${port}`;
}

/** keepalived's inet_sockaddrtopair: "[ip]:port". */
export function formatPair(ip: string, port: number): string {
  return `[${ip}]:${port}`;
}

export interface VsIdentity {
  ip?: string;
  port: number;
  fwmark?: number;
  protocol: ServiceProtocol;
  group?: string;
}

/** keepalived's FMT_VS. */
export function formatVs(vs: VsIdentity): string {
  if (vs.group !== undefined) return `[${vs.group}]:${vs.port}`;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  return formatTrio(vs.ip ?? '0.0.0.0', vs.protocol, vs.port);
}

/** keepalived's FMT_RS: the RS address printed with the VS's protocol. */
export function formatRs(rs: { ip: string; port: number }, vs: { protocol: ServiceProtocol }): string {
  return formatTrio(rs.ip, vs.protocol, rs.port);
}

export function ipFamily(ip: string): 4 | 6 {
  return isIPv6(ip) ? 6 : 4;
}
