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
