import { readFileSync } from 'node:fs';
import {
  AF_PACKET, ARPHRD_ETHER, ETH_P_ARP, ETH_P_IPV6, SOCK_RAW,
  encodeSockaddrLl, openPrivilegedSocket,
} from '@keepalived-ts/native';
import type { NativeBinding } from '@keepalived-ts/native';
import { encodeArpFrame, gratuitousArp } from './arp.js';
import { encodeNeighborAdvert, unsolicitedNa } from './ndisc.js';
import { BROADCAST_MAC, parseMac } from './mac.js';

/** Sends gratuitous ARPs and unsolicited NAs as complete Ethernet frames. */
export interface LinkAnnouncer {
  /** Broadcasts keepalived's gratuitous ARP for vip from mac on ifindex. */
  sendGratuitousArp(ifindex: number, mac: string, vip: string): void;
  /** Sends an unsolicited NA for vip to ff02::1; router should mirror the interface's IPv6 forwarding. */
  sendUnsolicitedNa(ifindex: number, mac: string, vip: string, options?: { router?: boolean }): void;
  close(): void;
}

/**
 * One AF_PACKET socket for every interface (the ifindex travels in each
 * sendto's sockaddr_ll), as keepalived shares one channel. It is opened with
 * protocol 0, so the kernel queues no received frames to it.
 * Throws "cannot open packet socket for gratuitous ARP/NA: CAP_NET_RAW required (EPERM)"
 * without the capability.
 */
export function openLinkAnnouncer(native: NativeBinding): LinkAnnouncer {
  const fd = openPrivilegedSocket(native, AF_PACKET, SOCK_RAW, 0, 'open packet socket for gratuitous ARP/NA');
  let closed = false;
  const send = (frame: Buffer, protocol: number, ifindex: number, dst: Buffer): void => {
    if (closed) throw new Error('link announcer is closed');
    native.sendto(fd, frame, encodeSockaddrLl({ protocol, ifindex, hatype: ARPHRD_ETHER, addr: dst }));
  };
  return {
    sendGratuitousArp(ifindex, mac, vip) {
      send(encodeArpFrame(gratuitousArp(mac, vip)), ETH_P_ARP, ifindex, BROADCAST_MAC);
    },
    sendUnsolicitedNa(ifindex, mac, vip, options = {}) {
      const frame = unsolicitedNa(mac, vip, options.router ?? false);
      send(encodeNeighborAdvert(frame), ETH_P_IPV6, ifindex, parseMac(frame.dstMac));
    },
    close() {
      if (closed) return;
      closed = true;
      native.close(fd);
    },
  };
}

/**
 * keepalived sets the NA Router flag when net.ipv6.conf.IFNAME.forwarding is
 * on. Reads the sysctl of the calling thread's network namespace; a missing
 * file (no IPv6) counts as off.
 */
export function isIpv6Forwarding(ifname: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): boolean {
  if (!/^[^/\s]{1,15}$/.test(ifname) || ifname === '.' || ifname === '..') throw new TypeError(`bad interface name: ${ifname}`);
  try {
    return read(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`).trim() !== '0';
  } catch {
    return false;
  }
}
