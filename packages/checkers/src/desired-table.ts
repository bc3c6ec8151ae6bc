/**
 * What the health checker wants the kernel's virtual-server table to be.
 * Deliberately plain data with no imports, so that the IPVS wrapper can
 * implement DataPlane without depending on this package (the integrator
 * adapts or duplicates the shape there).
 */

export type DesiredForwarding = 'NAT' | 'DR' | 'TUN';

export interface DesiredDestination {
  address: string;
  /** 0 for fwmark services (the port is cleared, as keepalived does). */
  port: number;
  weight: number;
  forwarding: DesiredForwarding;
}

export interface DesiredService {
  /** Stable identity, keepalived's FMT_VS: "[ip]:tcp:80" or "FWM 1". */
  key: string;
  family: 4 | 6;
  /** 'none' for fwmark services. */
  protocol: 'tcp' | 'udp' | 'sctp' | 'none';
  address?: string;
  port: number;
  fwmark?: number;
  scheduler: string;
  /** Seconds; undefined = not persistent. */
  persistenceTimeout?: number;
  destinations: DesiredDestination[];
}

export interface DesiredTable {
  services: DesiredService[];
}

/**
 * Implemented by the IPVS wrapper: make the kernel table equal to `desired`
 * for the services this process owns (add/edit/delete only the difference).
 * An empty table on stop means "remove everything we added".
 */
export interface DataPlane {
  apply(desired: DesiredTable): Promise<void>;
}

/** Field-by-field equality (cheaper than comparing serialisations of thousands of destinations). */
export function sameDesiredTable(a: DesiredTable, b: DesiredTable): boolean {
  if (a.services.length !== b.services.length) return false;
  for (let i = 0; i < a.services.length; i++) {
    const s = a.services[i]!;
    const t = b.services[i]!;
    if (
      s.key !== t.key ||
      s.family !== t.family ||
      s.protocol !== t.protocol ||
      s.address !== t.address ||
      s.port !== t.port ||
      s.fwmark !== t.fwmark ||
      s.scheduler !== t.scheduler ||
      s.persistenceTimeout !== t.persistenceTimeout ||
      s.destinations.length !== t.destinations.length
    ) {
      return false;
    }
    for (let j = 0; j < s.destinations.length; j++) {
      const d = s.destinations[j]!;
      const e = t.destinations[j]!;
      if (d.address !== e.address || d.port !== e.port || d.weight !== e.weight || d.forwarding !== e.forwarding) return false;
    }
  }
  return true;
}
