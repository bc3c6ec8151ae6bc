import {
  AF_INET, AF_INET6, SOCK_RAW, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_VRRP, SOL_SOCKET,
  SO_RCVBUF, SO_BINDTODEVICE, IP_HDRINCL, IP_TOS, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IP_MULTICAST_ALL,
  IP_ADD_MEMBERSHIP, IP_PKTINFO, IP_RECVTTL, IPV6_CHECKSUM, IPV6_MULTICAST_HOPS, IPV6_UNICAST_HOPS,
  IPV6_MULTICAST_IF, IPV6_MULTICAST_LOOP, IPV6_MULTICAST_ALL, IPV6_ADD_MEMBERSHIP, IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO, IPV6_TCLASS, MSG_DONTROUTE, MSG_TRUNC, DROP_ALL_FILTER,
  encodeSockaddrIn, encodeSockaddrIn6, decodeSockaddr, encodeIpMreqn, encodeIpv6Mreq, encodeIfname,
  encodeCmsgs, in6PktinfoCmsg, parseReceiveInfo, startReader, explainPrivilegeError, openPrivilegedSocket,
} from '@keepalived-ts/native';
import type { NativeBinding, Reader, RecvMsgResult } from '@keepalived-ts/native';
import { isIPv4, isIPv6 } from 'node:net';
import {
  IPV4_HEADER_LEN, VRRP_IP_TOS, VRRP_TTL, checkIpv4Datagram, createIpIdCounter, decodeIpv4Header, vrrpIpv4Header,
} from './ipv4-header.js';

export const VRRP_GROUP_V4 = '224.0.0.18';
export const VRRP_GROUP_V6 = 'ff02::12';
/** Byte offset of the checksum inside the VRRP header, handed to IPV6_CHECKSUM. */
const VRRP_CHECKSUM_OFFSET = 6;
/** Large enough for any IP datagram; longer ones are reported as truncated. */
const RECV_MAX = 65535;
const RECV_CONTROL = 128;

export interface VrrpSocketOptions {
  family: 4 | 6;
  /** Give either; the other is looked up (SO_BINDTODEVICE needs the name, multicast the index). */
  ifindex?: number;
  ifname?: string;
  /** Unicast peers: no group join, no multicast options; the receive socket binds to srcAddr. */
  unicast?: boolean;
  /**
   * Source address. IPv4: written into the IP header (default 0.0.0.0, the
   * kernel picks). IPv6: sent as IPV6_PKTINFO. Unicast: the receive socket binds to it.
   */
  srcAddr?: string;
  /** IP protocol: 112 (VRRP, default) or 51 (AH). */
  protocol?: number;
  /** TTL / hop limit of sent packets (default 255). */
  ttl?: number;
  /** SO_RCVBUF of the receive socket (kernel default if unset). */
  rcvBuf?: number;
  /** Multicast group (default 224.0.0.18 / ff02::12). */
  group?: string;
  /** Datagrams read per wake-up (see startReader). */
  readBurst?: number;
}

export interface VrrpPacket {
  /** The VRRP message (IPv4: without the IP header; IPv6: as the kernel delivers it). */
  payload: Buffer;
  src: string;
  /** Destination address when the kernel reported it (IPv4 header / IPV6_PKTINFO). */
  dst?: string;
  /** Received TTL / hop limit; -1 if the kernel did not say. */
  ttl: number;
  ifindex: number;
  /** IPv4 only: the IP header as received (AH authentication covers it). */
  ipHeader?: Buffer;
}

/** A datagram that failed IPv4 header checks, with the reason. */
export interface VrrpReceiveError extends Error { reason: string; raw?: Buffer }

export interface VrrpSocket {
  readonly family: 4 | 6;
  readonly ifindex: number;
  readonly ifname: string;
  /**
   * Sends a VRRP message to dst (default: the group; required for unicast).
   * IPv4 prepends keepalived's header with the next IP id, or options.ipId
   * (pass the same id to every unicast peer of one advertisement, as keepalived does).
   */
  send(payload: Buffer, dst?: string, options?: { ipId?: number }): number;
  /** IPv4 only: sends a complete datagram whose header the caller built (e.g. for AH). */
  sendDatagram(datagram: Buffer, dst?: string): number;
  /** Takes the next IPv4 id (1..65535, never 0). */
  nextIpId(): number;
  onPacket(cb: (pkt: VrrpPacket) => void): void;
  /** Delivers what is queued on the socket now, synchronously, to the onPacket callback. */
  drainPending(): void;
  /** Receive failures (recvmsg errors, malformed IPv4 headers). Default: ignored. */
  onError(cb: (err: Error) => void): void;
  close(): void;
}

function setup<T>(native: NativeBinding, fds: number[], fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    for (const fd of fds) native.close(fd);
    throw e;
  }
}

/**
 * Opens the receive and send sockets keepalived uses for one interface and
 * family. Throws "cannot open raw VRRP socket: CAP_NET_RAW required (EPERM)"
 * without the capability.
 */
export function openVrrpSocket(opts: VrrpSocketOptions, native: NativeBinding): VrrpSocket {
  if (opts.ifindex === undefined && opts.ifname === undefined) throw new TypeError('openVrrpSocket needs ifindex or ifname');
  const ifindex = opts.ifindex ?? native.ifNameToIndex(opts.ifname!);
  const ifname = opts.ifname ?? native.ifIndexToName(ifindex);
  const v4 = opts.family === 4;
  const domain = v4 ? AF_INET : AF_INET6;
  const protocol = opts.protocol ?? IPPROTO_VRRP;
  const ttl = opts.ttl ?? VRRP_TTL;
  const group = opts.group ?? (v4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6);
  const unicast = opts.unicast ?? false;
  const srcAddr = opts.srcAddr ?? (v4 ? '0.0.0.0' : '::');
  if (v4 ? !isIPv4(group) || !isIPv4(srcAddr) : !isIPv6(group) || !isIPv6(srcAddr)) {
    throw new TypeError(`address family mismatch for IPv${opts.family}: group ${group}, source ${srcAddr}`);
  }
  const ipLevel = v4 ? IPPROTO_IP : IPPROTO_IPV6;
  const sockaddr = (addr: string): Buffer => (v4 ? encodeSockaddrIn(addr) : encodeSockaddrIn6(addr, 0, addr.toLowerCase().startsWith('fe80') || addr.toLowerCase().startsWith('ff02') ? ifindex : 0));
  const bindToDevice = (fd: number): void => {
    try {
      native.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, encodeIfname(ifname));
    } catch (e) {
      throw explainPrivilegeError(e, `bind VRRP socket to ${ifname}`, 'CAP_NET_RAW');
    }
  };
  const what = 'open raw VRRP socket';
  const fds: number[] = [];

  const rx = openPrivilegedSocket(native, domain, SOCK_RAW, protocol, what);
  fds.push(rx);
  setup(native, fds, () => {
    if (opts.rcvBuf) native.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, opts.rcvBuf);
    // Only the groups we join, not every group some socket joined on the host.
    native.setsockopt(rx, ipLevel, v4 ? IP_MULTICAST_ALL : IPV6_MULTICAST_ALL, 0);
    if (!unicast) {
      native.setsockopt(rx, ipLevel, v4 ? IP_ADD_MEMBERSHIP : IPV6_ADD_MEMBERSHIP,
        v4 ? encodeIpMreqn({ group, ifindex }) : encodeIpv6Mreq({ group, ifindex }));
      // Bound to the group, the socket does not also see unicast VRRP.
      native.bind(rx, sockaddr(group));
    } else if (opts.srcAddr) {
      native.bind(rx, sockaddr(opts.srcAddr));
    }
    if (v4) {
      native.setsockopt(rx, IPPROTO_IP, IP_PKTINFO, 1);
      native.setsockopt(rx, IPPROTO_IP, IP_RECVTTL, 1);
    } else {
      native.setsockopt(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
      native.setsockopt(rx, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
      // The kernel verifies the VRRPv3 checksum (pseudo header included) and drops bad ones.
      native.setsockopt(rx, IPPROTO_IPV6, IPV6_CHECKSUM, VRRP_CHECKSUM_OFFSET);
    }
    bindToDevice(rx);
  });

  const tx = setup(native, fds, () => openPrivilegedSocket(native, domain, SOCK_RAW, protocol, what));
  fds.push(tx);
  setup(native, fds, () => {
    native.setsockopt(tx, SOL_SOCKET, SO_RCVBUF, 0);
    native.setsockopt(tx, ipLevel, v4 ? IP_MULTICAST_ALL : IPV6_MULTICAST_ALL, 0);
    if (v4) {
      native.setsockopt(tx, IPPROTO_IP, IP_HDRINCL, 1);
    } else {
      native.setsockopt(tx, IPPROTO_IPV6, IPV6_CHECKSUM, VRRP_CHECKSUM_OFFSET);
      native.setsockopt(tx, IPPROTO_IPV6, unicast ? IPV6_UNICAST_HOPS : IPV6_MULTICAST_HOPS, ttl);
    }
    bindToDevice(tx);
    if (!unicast) {
      native.setsockopt(tx, ipLevel, v4 ? IP_MULTICAST_IF : IPV6_MULTICAST_IF, v4 ? encodeIpMreqn({ ifindex }) : ifindex);
      native.setsockopt(tx, ipLevel, v4 ? IP_MULTICAST_LOOP : IPV6_MULTICAST_LOOP, 0);
    }
    native.setsockopt(tx, ipLevel, v4 ? IP_TOS : IPV6_TCLASS, VRRP_IP_TOS);
    native.attachFilter(tx, DROP_ALL_FILTER);
  });

  const nextIpId = createIpIdCounter();
  const v6Control = v4 ? null : encodeCmsgs([in6PktinfoCmsg({ addr: srcAddr, ifindex })]);
  let onPacket: ((pkt: VrrpPacket) => void) | undefined;
  let onError: (err: Error) => void = () => {};
  let reader: Reader | undefined;
  let closed = false;

  const transmit = (datagram: Buffer, dst: string | undefined): number => {
    if (closed) throw new Error('VRRP socket is closed');
    if (dst === undefined && unicast) throw new TypeError('unicast VRRP socket needs a destination');
    const to = dst ?? group;
    return native.sendmsg(tx, datagram, sockaddr(to), v6Control, unicast ? 0 : MSG_DONTROUTE);
  };

  const deliver = (msg: RecvMsgResult): void => {
    const info = parseReceiveInfo(msg.control);
    if (v4) {
      const reason = msg.length > msg.data.length ? `datagram truncated (${msg.length} bytes)` : checkIpv4Datagram(msg.data);
      if (reason) {
        const err = new Error(`VRRP receive on ${ifname}: ${reason}`) as VrrpReceiveError;
        err.reason = reason;
        err.raw = msg.data;
        onError(err);
        return;
      }
      const h = decodeIpv4Header(msg.data);
      const pkt: VrrpPacket = {
        payload: msg.data.subarray(h.headerLength, h.totalLength),
        src: h.src, dst: h.dst, ttl: info.ttl ?? h.ttl, ifindex: info.ifindex ?? ifindex,
        ipHeader: msg.data.subarray(0, h.headerLength),
      };
      onPacket?.(pkt);
    } else {
      const from = decodeSockaddr(msg.addr);
      const pkt: VrrpPacket = {
        payload: msg.data, src: 'address' in from ? from.address : '::', ttl: info.ttl ?? -1,
        ifindex: info.ifindex ?? ifindex,
      };
      if (info.dst !== undefined) pkt.dst = info.dst;
      onPacket?.(pkt);
    }
  };

  return {
    family: opts.family,
    ifindex,
    ifname,
    send(payload, dst, options = {}) {
      if (!v4) return transmit(payload, dst);
      const header = vrrpIpv4Header({
        src: srcAddr, dst: dst ?? group, id: options.ipId ?? nextIpId(), payloadLength: payload.length, protocol, ttl,
      });
      return transmit(Buffer.concat([header, payload]), dst);
    },
    sendDatagram(datagram, dst) {
      if (!v4) throw new TypeError('sendDatagram is IPv4 only');
      if (datagram.length < IPV4_HEADER_LEN) throw new RangeError('datagram shorter than an IPv4 header');
      return transmit(datagram, dst);
    },
    nextIpId,
    onPacket(cb) {
      onPacket = cb;
      reader ??= startReader(native, rx, { maxLen: RECV_MAX, controlLen: RECV_CONTROL, flags: MSG_TRUNC, burst: opts.readBurst ?? 32 },
        deliver, (e) => onError(e));
    },
    onError(cb) { onError = cb; },
    drainPending() {
      if (!closed) reader?.drain();
    },
    close() {
      if (closed) return;
      closed = true;
      reader?.stop();
      native.close(rx);
      native.close(tx);
    },
  };
}
