/**
 * Desired IPVS tables for the real-kernel suite, and the ipvsadm rules (`ipvsadm -R`
 * input) that build the same table. The rule writer is our own reading of keepalived's
 * semantics in ipvsadm terms, written independently of packages/ipvs-wrapper's expansion
 * (desired.ts), so that comparing the two kernels' tables checks that expansion too.
 */
import { isIPv6 } from 'node:net';
import type { DesiredDestination, DesiredTable, DesiredVirtualServer } from '@keepalived-ts/ipvs-wrapper';

/** Every scheduler keepalived accepts; Debian's 6.1 kernel has all but twos (added in 6.2). */
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'] as const;

function nat(address: string, port: number, weight: number, extra: Partial<DesiredDestination> = {}): DesiredDestination {
  return { address, port, forwarding: 'nat', weight, ...extra };
}

/** One service per scheduler, flags where the scheduler has them. */
export function schedulerTopology(schedulers: readonly string[]): DesiredTable {
  return {
    virtualServers: schedulers.map((s, i) => ({
      address: '192.0.2.1', port: 8001 + i, protocol: 'tcp', scheduler: s as DesiredVirtualServer['scheduler'],
      ...(s === 'sh' ? { flags: ['sh-port', 'sh-fallback'] as const } : {}),
      ...(s === 'mh' ? { flags: ['mh-port', 'mh-fallback'] as const } : {}),
      destinations: [nat('198.51.100.1', 8080, 1 + i), nat('198.51.100.2', 8080, 2, { upperThreshold: 50 + i, lowerThreshold: 5 })],
    }) as DesiredVirtualServer),
  };
}

/** Protocols, families, fwmarks, persistence, pe sip, every forwarding method and tunnel. */
export const FEATURE_TOPOLOGY: DesiredTable = {
  virtualServers: [
    {
      address: '192.0.2.2', port: 53, protocol: 'udp', scheduler: 'rr', flags: ['ops'],
      destinations: [{ address: '198.51.100.3', port: 53, forwarding: 'dr', weight: 3 }, nat('198.51.100.4', 5353, 0)],
    },
    {
      address: '192.0.2.2', port: 9, protocol: 'sctp', scheduler: 'wlc',
      destinations: [{ address: '198.51.100.5', port: 9, forwarding: 'tun', weight: 2 }],
    },
    {
      fwmark: 1, scheduler: 'wlc', persistenceTimeout: 300, persistenceGranularity: '255.255.255.0',
      destinations: [{ address: '198.51.100.6', port: 80, forwarding: 'dr', weight: 2, upperThreshold: 1000, lowerThreshold: 100 }],
    },
    {
      fwmark: 2, family: 'ipv6', scheduler: 'lblcr', flags: ['ops'],
      destinations: [{ address: '2001:db8::12', port: 0, forwarding: 'dr', weight: 5 }],
    },
    {
      address: '2001:db8::1', port: 443, protocol: 'tcp', scheduler: 'sh', flags: ['sh-port', 'sh-fallback'], persistenceTimeout: 600, persistenceGranularity: 64,
      destinations: [
        { address: '2001:db8::11', port: 443, forwarding: 'tun', tunnel: { type: 'gue', port: 6080, checksum: 'csum' }, weight: 3, upperThreshold: 100, lowerThreshold: 10 },
        { address: '2001:db8::13', port: 443, forwarding: 'tun', tunnel: { type: 'gue', port: 6081, checksum: 'remcsum' }, weight: 1 },
        { address: '2001:db8::14', port: 8443, forwarding: 'nat', weight: 7 },
      ],
    },
    {
      address: '192.0.2.3', port: 5060, protocol: 'udp', scheduler: 'mh', flags: ['mh-port', 'mh-fallback'], persistenceTimeout: 60,
      persistenceGranularity: '255.255.255.0', persistenceEngine: 'sip',
      destinations: [
        { address: '198.51.100.7', port: 5060, forwarding: 'tun', tunnel: { type: 'gre', checksum: 'csum' }, weight: 4 },
        { address: '198.51.100.8', port: 5060, forwarding: 'tun', tunnel: { type: 'gre' }, weight: 4 },
        { address: '198.51.100.9', port: 5060, forwarding: 'tun', tunnel: { type: 'gue', port: 7000 }, weight: 1 },
        { address: '198.51.100.10', port: 5060, forwarding: 'tun', tunnel: { type: 'ipip' }, weight: 65535 },
      ],
    },
    {
      address: '192.0.2.4', port: 80, protocol: 'tcp', scheduler: 'wrr', persistenceTimeout: 30,
      destinations: [nat('198.51.100.11', 80, 10, { inhibited: true }), nat('198.51.100.12', 80, 20)],
    },
  ],
  timeouts: { tcp: 910, tcpFin: 130, udp: 310 },
};

/** A virtual_server_group: an IPv4 range, a single address and a fwmark sharing one definition. */
export const GROUP_TOPOLOGY: DesiredTable = {
  virtualServers: [{
    group: [{ address: '192.0.2.10-14', port: 80 }, { address: '192.0.2.20', port: 8080 }, { fwmark: 9 }],
    protocol: 'tcp', scheduler: 'lc', persistenceTimeout: 120,
    destinations: [{ address: '198.51.100.20', port: 80, forwarding: 'dr', weight: 1 }, { address: '198.51.100.21', port: 80, forwarding: 'dr', weight: 2 }],
  }],
};

/** services x dests NAT services; services on 192.0.2.1:10000+, real servers 198.51.100.1.. */
export function bigTopology(services: number, dests: number): DesiredTable {
  const virtualServers: DesiredVirtualServer[] = [];
  for (let s = 0; s < services; s++) {
    const destinations: DesiredDestination[] = [];
    for (let d = 0; d < dests; d++) destinations.push(nat(`198.51.100.${1 + d}`, 20000 + s, 1 + ((s + d) % 10)));
    virtualServers.push({ address: '192.0.2.1', port: 10000 + s, protocol: 'tcp', scheduler: 'wlc', destinations });
  }
  return { virtualServers };
}

/**
 * The 1% change of a big table: the weight of every 100th destination changes, one
 * destination is inhibited (weight 0), the last service is removed.
 * Returns the table and how many kernel commands the change needs.
 */
export function changedTopology(table: DesiredTable): { table: DesiredTable; commands: number } {
  const vss = table.virtualServers.slice(0, -1).map((vs) => ({ ...vs, destinations: vs.destinations.map((d) => ({ ...d })) }));
  const all = vss.flatMap((vs) => vs.destinations);
  const total = table.virtualServers.reduce((n, vs) => n + vs.destinations.length, 0);
  let commands = 1; // DEL_SERVICE of the last service
  for (let i = 0; i < all.length; i += 100) {
    all[i]!.weight += 100;
    commands++;
  }
  if (total >= 100) {
    all[55]!.inhibited = true;
    commands++;
  }
  return { table: { ...table, virtualServers: vss }, commands };
}

// ---------------------------------------------------------------- ipvsadm rules

const PROTO_OPT = { tcp: '-t', udp: '-u', sctp: '--sctp-service' } as const;

function hostPort(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/** "192.0.2.10-14" -> each address (IPv4 last octet ranges only: all our groups use those). */
function rangeAddresses(spec: string): string[] {
  const m = /^(\d+\.\d+\.\d+\.)(\d+)(?:-(\d+))?$/.exec(spec);
  if (!m) throw new Error(`range ${spec}: only IPv4 last-octet ranges are written as ipvsadm rules here`);
  const out: string[] = [];
  for (let v = Number(m[2]); v <= Number(m[3] ?? m[2]); v++) out.push(`${m[1]}${v}`);
  return out;
}

function serviceOptions(vs: DesiredVirtualServer, v6: boolean): string {
  let o = ` -s ${vs.scheduler}`;
  if (vs.persistenceTimeout) {
    o += ` -p ${vs.persistenceTimeout}`;
    if (vs.persistenceGranularity !== undefined) o += ` -M ${vs.persistenceGranularity}`;
    if (vs.persistenceEngine) o += ` --pe ${vs.persistenceEngine}`;
  }
  const sched = (vs.flags ?? []).filter((f) => f !== 'ops' && f !== 'hashed');
  if (sched.length) o += ` -b ${sched.join(',')}`;
  if (vs.flags?.includes('ops')) o += ' -o';
  void v6;
  return o;
}

function destRule(svc: string, d: DesiredDestination, servicePort: number, fwmark: boolean): string {
  // keepalived: a NAT server keeps its port, DR/TUN get the service's (0 for fwmark services)
  const port = d.forwarding === 'nat' ? d.port : fwmark ? 0 : servicePort;
  let r = `-a ${svc} -r ${hostPort(d.address, port)} ${{ nat: '-m', dr: '-g', tun: '-i' }[d.forwarding]} -w ${d.inhibited ? 0 : d.weight}`;
  if (d.upperThreshold) r += ` -x ${d.upperThreshold}`;
  if (d.lowerThreshold) r += ` -y ${d.lowerThreshold}`;
  if (d.forwarding === 'tun' && d.tunnel && d.tunnel.type !== 'ipip') {
    r += ` --tun-type ${d.tunnel.type}`;
    if (d.tunnel.type === 'gue') r += ` --tun-port ${d.tunnel.port ?? 0}`;
    r += ` --tun-${d.tunnel.checksum ?? 'nocsum'}`;
  }
  return r;
}

/** `ipvsadm -R` input building `table` (timeouts are not part of -R; see timeoutsCommand). */
export function ipvsadmRules(table: DesiredTable): string[] {
  const lines: string[] = [];
  const add = (vs: DesiredVirtualServer, svc: string, v6: boolean, port: number, fwmark: boolean): void => {
    lines.push(`-A ${svc}${serviceOptions(vs, v6)}`);
    for (const d of vs.destinations) lines.push(destRule(svc, d, port, fwmark));
  };
  for (const vs of table.virtualServers) {
    if (vs.group) {
      for (const e of vs.group) {
        if ('fwmark' in e) add(vs, `-f ${e.fwmark}${e.family === 'ipv6' ? ' -6' : ''}`, e.family === 'ipv6', 0, true);
        else for (const a of rangeAddresses(e.address)) add(vs, `${PROTO_OPT[vs.protocol!]} ${hostPort(a, e.port)}`, false, e.port, false);
      }
    } else if (vs.fwmark) {
      add(vs, `-f ${vs.fwmark}${vs.family === 'ipv6' ? ' -6' : ''}`, vs.family === 'ipv6', 0, true);
    } else {
      add(vs, `${PROTO_OPT[vs.protocol!]} ${hostPort(vs.address!, vs.port!)}`, isIPv6(vs.address!), vs.port!, false);
    }
  }
  return lines;
}
