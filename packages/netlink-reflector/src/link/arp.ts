import { ipv4ToBytes, bytesToIpv4 } from '@keepalived-ts/native';
import { BROADCAST_MAC, formatMac, parseMac } from './mac.js';

// Ethernet II header (14) + ARP for IPv4 over Ethernet (28) = 42 bytes; the
// NIC pads to the 60-byte minimum, keepalived hands the kernel 42.
export const ETHER_HEADER_LEN = 14;
export const ARP_FRAME_LEN = 42;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV4 = 0x0800;
export const ARPHRD_ETHER = 1;
export const ARPOP_REQUEST = 1;
export const ARPOP_REPLY = 2;

export interface ArpFrame {
  /** Ethernet destination / source. */
  dstMac: string;
  srcMac: string;
  hwType: number;
  protoType: number;
  op: number;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/**
 * keepalived's gratuitous ARP: an ARP *request* broadcast to
 * ff:ff:ff:ff:ff:ff whose sender and target IP are both the VIP and whose
 * target hardware address is the broadcast address too.
 */
export function gratuitousArp(mac: string, ip: string): ArpFrame {
  const bcast = formatMac(BROADCAST_MAC);
  return {
    dstMac: bcast, srcMac: mac, hwType: ARPHRD_ETHER, protoType: ETHERTYPE_IPV4, op: ARPOP_REQUEST,
    senderMac: mac, senderIp: ip, targetMac: bcast, targetIp: ip,
  };
}

export function encodeArpFrame(f: ArpFrame, out: Buffer = Buffer.alloc(ARP_FRAME_LEN), offset = 0): Buffer {
  if (out.length - offset < ARP_FRAME_LEN) throw new RangeError(`ARP frame needs ${ARP_FRAME_LEN} bytes`);
  parseMac(f.dstMac).copy(out, offset);
  parseMac(f.srcMac).copy(out, offset + 6);
  out.writeUInt16BE(ETHERTYPE_ARP, offset + 12);
  const a = offset + ETHER_HEADER_LEN;
  out.writeUInt16BE(f.hwType, a);
  out.writeUInt16BE(f.protoType, a + 2);
  out.writeUInt8(6, a + 4);
  out.writeUInt8(4, a + 5);
  out.writeUInt16BE(f.op, a + 6);
  parseMac(f.senderMac).copy(out, a + 8);
  ipv4ToBytes(f.senderIp).copy(out, a + 14);
  parseMac(f.targetMac).copy(out, a + 18);
  ipv4ToBytes(f.targetIp).copy(out, a + 24);
  return out;
}

/** Why the bytes are not an Ethernet/IPv4 ARP frame, or null if they are. */
export function checkArpFrame(buf: Buffer, offset = 0): string | null {
  if (buf.length - offset < ARP_FRAME_LEN) return `frame too short for ARP (${buf.length - offset} < ${ARP_FRAME_LEN})`;
  if (buf.readUInt16BE(offset + 12) !== ETHERTYPE_ARP) return `ethertype 0x${buf.readUInt16BE(offset + 12).toString(16)} is not ARP`;
  const a = offset + ETHER_HEADER_LEN;
  if (buf.readUInt16BE(a) !== ARPHRD_ETHER) return `hardware type ${buf.readUInt16BE(a)} is not Ethernet`;
  if (buf.readUInt16BE(a + 2) !== ETHERTYPE_IPV4) return 'protocol type is not IPv4';
  if (buf[a + 4] !== 6 || buf[a + 5] !== 4) return `address lengths ${buf[a + 4]}/${buf[a + 5]} are not 6/4`;
  return null;
}

export function decodeArpFrame(buf: Buffer, offset = 0): ArpFrame {
  const reason = checkArpFrame(buf, offset);
  if (reason) throw new RangeError(reason);
  const a = offset + ETHER_HEADER_LEN;
  return {
    dstMac: formatMac(buf, offset),
    srcMac: formatMac(buf, offset + 6),
    hwType: buf.readUInt16BE(a),
    protoType: buf.readUInt16BE(a + 2),
    op: buf.readUInt16BE(a + 6),
    senderMac: formatMac(buf, a + 8),
    senderIp: bytesToIpv4(buf, a + 14),
    targetMac: formatMac(buf, a + 18),
    targetIp: bytesToIpv4(buf, a + 24),
  };
}

/** A gratuitous ARP announces its own address: sender IP equals target IP. */
export function isGratuitousArp(f: ArpFrame): boolean {
  return f.senderIp === f.targetIp;
}
