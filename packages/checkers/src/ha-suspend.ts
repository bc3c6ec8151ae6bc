/**
 * ha_suspend (keepalived check_api.c update_checker_activity): the checkers of
 * a virtual server with ha_suspend run only while this host holds the virtual
 * server's address - on an LVS director paired by VRRP, the backup does not
 * probe the real servers, and starts when the VIP arrives. Addresses are
 * counted, so a VIP present on two interfaces suspends only when both are gone.
 */
import { ipToBytes } from '@keepalived-ts/native';
import type { ResolvedVirtualServer } from './resolve.js';

/** An IPv4 / IPv6 address as bytes, or undefined. */
function bytesOf(address: string): number[] | undefined {
  try {
    return [...ipToBytes(address)];
  } catch {
    return undefined;
  }
}

/** keepalived's addr_matches: the VS address, or one in a virtual_server_group's address ranges. */
export function vsAddressMatches(vs: ResolvedVirtualServer, address: string): boolean {
  const a = bytesOf(address);
  if (a === undefined) return false;
  const same = (b: number[] | undefined): boolean => b !== undefined && b.length === a.length && b.every((x, i) => x === a[i]);
  if (vs.ip !== undefined) return same(bytesOf(vs.ip));
  for (const e of vs.group?.entries ?? []) {
    if (!('address' in e)) continue;
    const first = bytesOf(e.address);
    if (first === undefined || first.length !== a.length) continue;
    if (e.rangeEnd === undefined) {
      if (same(first)) return true;
      continue;
    }
    // the range runs over the last IPv4 octet / IPv6 16-bit group
    const n = first.length === 4 ? 3 : 14;
    if (!first.slice(0, n).every((x, i) => x === a[i])) continue;
    const at = first.length === 4 ? a[3]! : (a[14]! << 8) | a[15]!;
    const lo = first.length === 4 ? first[3]! : (first[14]! << 8) | first[15]!;
    if (at >= lo && at <= e.rangeEnd) return true;
  }
  return false;
}

export class HaSuspendTracker {
  private readonly counts = new Map<ResolvedVirtualServer, number>();

  constructor(private readonly vss: readonly ResolvedVirtualServer[]) {
    for (const vs of vss) if (vs.haSuspend) this.counts.set(vs, 0);
  }

  get used(): boolean {
    return this.counts.size > 0;
  }

  /** The host's addresses cannot be followed: every checker runs, as without ha_suspend. */
  forget(): void {
    this.counts.clear();
  }

  /** Whether the checkers of vs may run now. */
  active(vs: ResolvedVirtualServer): boolean {
    const n = this.counts.get(vs);
    return n === undefined || n > 0;
  }

  /**
   * An address of this host came or went: the ha_suspend virtual servers it
   * belongs to, each with whether its checkers should now run.
   */
  addressChanged(address: string, added: boolean): { vs: ResolvedVirtualServer; active: boolean }[] {
    const out: { vs: ResolvedVirtualServer; active: boolean }[] = [];
    for (const [vs, n] of this.counts) {
      if (!vsAddressMatches(vs, address)) continue;
      const next = Math.max(0, n + (added ? 1 : -1));
      this.counts.set(vs, next);
      // keepalived activates on any add, and suspends only when the last copy goes
      out.push({ vs, active: added || next > 0 });
    }
    return out;
  }
}
