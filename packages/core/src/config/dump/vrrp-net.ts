/**
 * Network-facing VRRP dump sections: "Gratuitous ARP delays", "VRRP Sockpool"
 * and "Interfaces" (vrrp_if.c dump_if, vrrp_data.c dump_sock_pool). These are
 * entirely what the running daemon sees, so they come from runtime input.
 */
import { formatG, timevalCtime19, timevalCtime24, type Timeval } from './format.js';

/** One socket pair of the VRRP socket pool (sock_t). */
export interface VrrpSocketRuntime {
  fdIn: number;
  fdOut: number;
  interface: string;
  vrf?: string;
  family: 'inet' | 'inet6';
  protocol: 'VRRP' | 'AH';
  /** Unicast source address; absent for a multicast socket. */
  unicastSource?: string;
  rxBufSize: number;
  /** Instances on the socket, in VRID order (the rb tree keepalived walks). */
  instances: { name: string; vrid: number }[];
}

/** One garp_delay_t: a garp_group, or the implicit group of the global intervals. */
export interface GarpDelayRuntime {
  aggregationGroup: number;
  /** Seconds (with fraction); absent when not configured. */
  garpInterval?: number;
  garpNextTime?: Timeval;
  gnaInterval?: number;
  gnaNextTime?: Timeval;
  /** Interfaces using this group, in the interface queue's order. */
  interfaces: string[];
}

/** One interface of keepalived's interface queue (interface_t), in queue order (netlink dump order). */
export interface VrrpInterfaceRuntime {
  name: string;
  ifindex: number;
  ipv4?: string;
  additionalIpv4?: string[];
  ipv6?: string;
  additionalIpv6?: string[];
  /** "aa:bb:..." and broadcast; absent on an interface without a hardware address (loopback prints none either, keepalived's lo has a zero-length one). */
  mac?: string;
  macBroadcast?: string;
  up: boolean;
  running: boolean;
  broadcast: boolean;
  loopback: boolean;
  pointToPoint: boolean;
  noArp: boolean;
  multicast: boolean;
  /** VMAC/ipvlan on a base interface that is down. */
  masterDown?: boolean;
  seenUp: number;
  delayedStateChangeRunning: boolean;
  upDebounceUs: number;
  downDebounceUs: number;
  /** Macvlan/ipvlan details. */
  vmac?: { ifType: 'VMAC' | 'IPVLAN'; ipvlanMode?: string; vlanType: string; baseInterface: string; baseUp: boolean; baseRunning: boolean };
  createdByKeepalived?: boolean;
  changeableType?: boolean;
  doneVridCheck?: boolean;
  mtu: number;
  hwType: 'LOOPBACK' | 'ETHERNET' | 'INFINIBAND' | number;
  linkbeat: 'netlink' | 'MII' | 'ETHTOOL' | 'ioctl';
  vrfMasterTable?: number;
  vrfSlaveOf?: string;
  garpIntervalMs?: number;
  gnaIntervalMs?: number;
  garpAggregationGroup?: number;
  resetArpConfig: number;
  arpIgnore: number;
  arpFilter: number;
  /** Printed when keepalived changed it (UINT_MAX = untouched). */
  rpFilter?: number;
  promoteSecondaries: number;
  resetPromoteSecondaries: number;
  /** IPv6 forwarding check (set once an IPv6 instance used the interface). */
  lastGnaRouterCheck?: Timeval;
  gnaRouter?: boolean;
  trackingInstances: { name: string; weight: number; reverse?: boolean }[];
}

export function dumpGarpDelays(list: GarpDelayRuntime[]): string[] {
  const out: string[] = [];
  for (const gd of list) {
    out.push(`------< GARP delay group ${gd.aggregationGroup} >------`);
    if (gd.garpInterval !== undefined) {
      out.push(` GARP interval = ${formatG(gd.garpInterval)}`, ` GARP next time ${timevalCtime19(gd.garpNextTime ?? { sec: 0, usec: 0 })}`);
    }
    if (gd.gnaInterval !== undefined) {
      out.push(` GNA interval = ${formatG(gd.gnaInterval)}`, ` GNA next time ${timevalCtime19(gd.gnaNextTime ?? { sec: 0, usec: 0 })}`);
    } else if (gd.garpInterval === undefined) out.push(' No configuration');
    out.push(' Interfaces', ...gd.interfaces.map((n) => `  ${n}`));
  }
  return out;
}

export function dumpSockpool(list: VrrpSocketRuntime[]): string[] {
  const out: string[] = [];
  for (const s of list) {
    out.push(` fd_in ${s.fdIn} fd_out = ${s.fdOut}`, `   Interface = ${s.interface}`);
    if (s.vrf) out.push(`   VRF = ${s.vrf}`);
    out.push(`   Family = ${s.family === 'inet' ? 'IPv4' : 'IPv6'}`, `   Protocol = ${s.protocol}`, `   Type = ${s.unicastSource ? 'Un' : 'Mult'}icast`);
    if (s.unicastSource) out.push(`   Address = ${s.unicastSource}`);
    out.push(`   Rx buf size = ${s.rxBufSize}`, '   VRRP instances', ...[...s.instances].sort((a, b) => a.vrid - b.vrid).map((v) => `     ${v.name} vrid ${v.vrid}`));
  }
  return out;
}

export function dumpInterface(i: VrrpInterfaceRuntime): string[] {
  const out = [` Name = ${i.name}`, `   index = ${i.ifindex}${i.ifindex ? '' : ' (deleted)'}`, `   IPv4 address = ${i.ipv4 ?? '(none)'}`];
  if (i.additionalIpv4?.length) out.push('   Additional IPv4 addresses :', ...i.additionalIpv4.map((a) => `     ${a}`));
  out.push(`   IPv6 address = ${i.ipv6 ?? '(none)'}`);
  if (i.additionalIpv6?.length) out.push('   Additional IPv6 addresses :', ...i.additionalIpv6.map((a) => `     ${a}`));
  if (i.mac) out.push(`   MAC = ${i.mac}`, `   MAC broadcast = ${i.macBroadcast ?? 'ff:ff:ff:ff:ff:ff'}`);
  out.push(`   State = ${i.up ? '' : 'not '}UP, ${i.running ? '' : 'not '}RUNNING${i.broadcast ? '' : ', no broadcast'}${i.loopback ? ', loopback' : ''}` +
    `${i.pointToPoint ? ', point to point' : ''}${i.noArp ? ', no arp' : ''}${i.multicast ? '' : ', no multicast'}${i.masterDown ? ', master down' : ''}`);
  out.push(`   Seen up = ${i.seenUp}`, `   Delayed state change running = ${i.delayedStateChangeRunning ? 'true' : 'false'}`,
    `   Up debounce timer = ${i.upDebounceUs}us`, `   Down debounce timer = ${i.downDebounceUs}us`);
  if (i.vmac) {
    const v = i.vmac;
    out.push(`   ${v.ifType} type ${v.ipvlanMode ?? ''}${v.vlanType}, underlying interface = ${v.baseInterface}, state = ${v.baseUp ? '' : 'not '}UP, ${v.baseRunning ? '' : 'not '}RUNNING`);
  }
  if (i.createdByKeepalived) out.push('   I/f created by keepalived');
  else if (i.changeableType) out.push('   Interface type/base can be changed');
  if (i.doneVridCheck) out.push('   Done VRID check');
  out.push(`   MTU = ${i.mtu}`, `   HW Type = ${typeof i.hwType === 'number' ? `UNKNOWN (${i.hwType})` : i.hwType}`);
  out.push(i.linkbeat === 'netlink' ? '   NIC netlink status update' : i.linkbeat === 'MII' ? '   NIC support MII regs'
    : i.linkbeat === 'ETHTOOL' ? '   NIC support ETHTOOL GLINK interface' : '   NIC ioctl refresh polling');
  if (i.vrfMasterTable !== undefined) out.push(`   VRF master table ${i.vrfMasterTable}`);
  else if (i.vrfSlaveOf) out.push(`   VRF slave of ${i.vrfSlaveOf}`);
  if (i.garpIntervalMs !== undefined) out.push(`   Gratuitous ARP interval ${i.garpIntervalMs}ms`);
  if (i.gnaIntervalMs !== undefined) out.push(`   Gratuitous NA interval ${i.gnaIntervalMs}ms`);
  if (i.garpAggregationGroup) out.push(`   Gratuitous ARP aggregation group ${i.garpAggregationGroup}`);
  out.push(`   Reset ARP config counter ${i.resetArpConfig}`, `   Original arp_ignore ${i.arpIgnore}`, `   Original arp_filter ${i.arpFilter}`);
  if (i.rpFilter !== undefined) out.push(`   rp_filter ${i.rpFilter}`);
  out.push(`   Original promote_secondaries ${i.promoteSecondaries}`, `   Reset promote_secondaries counter ${i.resetPromoteSecondaries}`);
  if (i.lastGnaRouterCheck) out.push(`   ${i.gnaRouter ? '' : 'Not '}IPv6 forwarding. Last checked ${timevalCtime24(i.lastGnaRouterCheck)}`);
  if (i.trackingInstances.length) {
    out.push('   Tracking VRRP instances :', ...i.trackingInstances.map((t) => `     ${t.name}, weight ${t.weight}${t.reverse ? ' reverse' : ''}`));
  }
  return out;
}
