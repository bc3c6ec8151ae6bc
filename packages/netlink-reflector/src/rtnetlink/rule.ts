// struct fib_rule_hdr (12 bytes) + FRA_* attributes.
import { AttrSet, AttrWriter } from '@keepalived-ts/native';
import {
  FRA_DST, FRA_FWMARK, FRA_FWMASK, FRA_GOTO, FRA_IIFNAME, FRA_L3MDEV, FRA_OIFNAME, FRA_PRIORITY,
  FRA_PROTOCOL, FRA_SRC, FRA_SUPPRESS_IFGROUP, FRA_SUPPRESS_PREFIXLEN, FRA_TABLE, FRA_UID_RANGE,
} from './constants.js';
import { bufferToIp, ipToBuffer } from './ipaddr.js';

export const FIB_RULE_HDR_LEN = 12;

export interface RuleMessage {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  /** Table id; ids above 255 travel in FRA_TABLE. */
  table: number;
  /** FR_ACT_* */
  action: number;
  /** FIB_RULE_* flags (FIB_RULE_INVERT = 'not'). */
  flags: number;
  src?: string;
  dst?: string;
  priority?: number;
  fwmark?: number;
  fwmask?: number;
  iifname?: string;
  oifname?: string;
  goto?: number;
  suppressPrefixLen?: number;
  suppressIfgroup?: number;
  l3mdev?: number;
  uidRange?: { start: number; end: number };
  protocol?: number;
}

export function encodeRuleMsg(m: RuleMessage): Buffer {
  const head = Buffer.alloc(FIB_RULE_HDR_LEN);
  head.writeUInt8(m.family, 0);
  head.writeUInt8(m.dstLen, 1);
  head.writeUInt8(m.srcLen, 2);
  head.writeUInt8(m.tos, 3);
  head.writeUInt8(m.table < 256 ? m.table : 0, 4);
  head.writeUInt8(m.action, 7);
  head.writeUInt32LE(m.flags >>> 0, 8);
  const w = new AttrWriter();
  if (m.src !== undefined) w.raw(FRA_SRC, ipToBuffer(m.src));
  if (m.dst !== undefined) w.raw(FRA_DST, ipToBuffer(m.dst));
  if (m.priority !== undefined) w.u32(FRA_PRIORITY, m.priority);
  if (m.fwmark !== undefined) w.u32(FRA_FWMARK, m.fwmark);
  if (m.fwmask !== undefined) w.u32(FRA_FWMASK, m.fwmask);
  if (m.iifname !== undefined) w.str(FRA_IIFNAME, m.iifname);
  if (m.oifname !== undefined) w.str(FRA_OIFNAME, m.oifname);
  if (m.table >= 256) w.u32(FRA_TABLE, m.table);
  if (m.goto !== undefined) w.u32(FRA_GOTO, m.goto);
  if (m.suppressPrefixLen !== undefined) w.u32(FRA_SUPPRESS_PREFIXLEN, m.suppressPrefixLen);
  if (m.suppressIfgroup !== undefined) w.u32(FRA_SUPPRESS_IFGROUP, m.suppressIfgroup);
  if (m.l3mdev !== undefined) w.u8(FRA_L3MDEV, m.l3mdev);
  if (m.uidRange !== undefined) {
    const r = Buffer.alloc(8);
    r.writeUInt32LE(m.uidRange.start, 0);
    r.writeUInt32LE(m.uidRange.end, 4);
    w.raw(FRA_UID_RANGE, r);
  }
  if (m.protocol !== undefined) w.u8(FRA_PROTOCOL, m.protocol);
  return Buffer.concat([head, w.toBuffer()]);
}

export function decodeRuleMsg(buf: Buffer, offset = 0, end = buf.length): RuleMessage {
  if (end - offset < FIB_RULE_HDR_LEN) {
    throw new RangeError(`fib_rule_hdr needs ${FIB_RULE_HDR_LEN} bytes, got ${end - offset}`);
  }
  const a = AttrSet.decode(buf, offset + FIB_RULE_HDR_LEN, end);
  const m: RuleMessage = {
    family: buf.readUInt8(offset),
    dstLen: buf.readUInt8(offset + 1),
    srcLen: buf.readUInt8(offset + 2),
    tos: buf.readUInt8(offset + 3),
    table: a.u32(FRA_TABLE) ?? buf.readUInt8(offset + 4),
    action: buf.readUInt8(offset + 7),
    flags: buf.readUInt32LE(offset + 8),
  };
  const ip = (t: number): string | undefined => {
    const d = a.get(t);
    return d && (d.length === 4 || d.length === 16) ? bufferToIp(d) : undefined;
  };
  const src = ip(FRA_SRC);
  if (src !== undefined) m.src = src;
  const dst = ip(FRA_DST);
  if (dst !== undefined) m.dst = dst;
  const u32s: Array<[keyof RuleMessage, number]> = [
    ['priority', FRA_PRIORITY], ['fwmark', FRA_FWMARK], ['fwmask', FRA_FWMASK], ['goto', FRA_GOTO],
    ['suppressPrefixLen', FRA_SUPPRESS_PREFIXLEN], ['suppressIfgroup', FRA_SUPPRESS_IFGROUP],
  ];
  for (const [key, type] of u32s) {
    const v = a.u32(type);
    if (v !== undefined) (m as unknown as Record<string, number>)[key] = v;
  }
  const iif = a.str(FRA_IIFNAME);
  if (iif !== undefined) m.iifname = iif;
  const oif = a.str(FRA_OIFNAME);
  if (oif !== undefined) m.oifname = oif;
  const l3 = a.u8(FRA_L3MDEV);
  if (l3 !== undefined) m.l3mdev = l3;
  const uid = a.get(FRA_UID_RANGE);
  if (uid && uid.length >= 8) m.uidRange = { start: uid.readUInt32LE(0), end: uid.readUInt32LE(4) };
  const proto = a.u8(FRA_PROTOCOL);
  if (proto !== undefined) m.protocol = proto;
  return m;
}
