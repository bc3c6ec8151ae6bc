// struct rtmsg (12 bytes) + RTA_* attributes.
import { AttrSet, AttrWriter } from '@keepalived-ts/native';
import {
  RTA_DST, RTA_GATEWAY, RTA_MARK, RTA_OIF, RTA_PREF, RTA_PREFSRC, RTA_PRIORITY, RTA_SRC, RTA_TABLE,
  RTA_IIF, RTA_METRICS,
} from './constants.js';
import { bufferToIp, ipToBuffer } from './ipaddr.js';

export const RTMSG_LEN = 12;

export interface RouteMessage {
  family: number;
  dstLen: number;
  srcLen: number;
  tos: number;
  /**
   * Routing table id. The header byte only holds 0..255; ids above go in RTA_TABLE
   * (and the byte says RT_TABLE_UNSPEC), which the encoder handles.
   */
  table: number;
  protocol: number;
  scope: number;
  /** RTN_* route type. */
  type: number;
  flags: number;
  dst?: string;
  src?: string;
  gateway?: string;
  oif?: number;
  iif?: number;
  /** Metric (RTA_PRIORITY). */
  priority?: number;
  prefsrc?: string;
  mark?: number;
  /** IPv6 router preference (RTA_PREF). */
  pref?: number;
  /** Raw RTA_METRICS container (nested RTAX_* attributes), kept opaque. */
  metrics?: Buffer;
}

export function encodeRouteMsg(m: RouteMessage): Buffer {
  const head = Buffer.alloc(RTMSG_LEN);
  head.writeUInt8(m.family, 0);
  head.writeUInt8(m.dstLen, 1);
  head.writeUInt8(m.srcLen, 2);
  head.writeUInt8(m.tos, 3);
  head.writeUInt8(m.table < 256 ? m.table : 0, 4);
  head.writeUInt8(m.protocol, 5);
  head.writeUInt8(m.scope, 6);
  head.writeUInt8(m.type, 7);
  head.writeUInt32LE(m.flags >>> 0, 8);
  // Order matches `ip route add DST via GW ... metric M src S` (oif last, as iproute2 adds it).
  const w = new AttrWriter();
  if (m.dst !== undefined) w.raw(RTA_DST, ipToBuffer(m.dst));
  if (m.src !== undefined) w.raw(RTA_SRC, ipToBuffer(m.src));
  if (m.gateway !== undefined) w.raw(RTA_GATEWAY, ipToBuffer(m.gateway));
  if (m.priority !== undefined) w.u32(RTA_PRIORITY, m.priority);
  if (m.prefsrc !== undefined) w.raw(RTA_PREFSRC, ipToBuffer(m.prefsrc));
  if (m.table >= 256) w.u32(RTA_TABLE, m.table);
  if (m.mark !== undefined) w.u32(RTA_MARK, m.mark);
  if (m.pref !== undefined) w.u8(RTA_PREF, m.pref);
  if (m.metrics !== undefined) w.raw(RTA_METRICS, m.metrics);
  if (m.iif !== undefined) w.u32(RTA_IIF, m.iif);
  if (m.oif !== undefined) w.u32(RTA_OIF, m.oif);
  return Buffer.concat([head, w.toBuffer()]);
}

export function decodeRouteMsg(buf: Buffer, offset = 0, end = buf.length): RouteMessage {
  if (end - offset < RTMSG_LEN) throw new RangeError(`rtmsg needs ${RTMSG_LEN} bytes, got ${end - offset}`);
  const a = AttrSet.decode(buf, offset + RTMSG_LEN, end);
  const m: RouteMessage = {
    family: buf.readUInt8(offset),
    dstLen: buf.readUInt8(offset + 1),
    srcLen: buf.readUInt8(offset + 2),
    tos: buf.readUInt8(offset + 3),
    table: a.u32(RTA_TABLE) ?? buf.readUInt8(offset + 4),
    protocol: buf.readUInt8(offset + 5),
    scope: buf.readUInt8(offset + 6),
    type: buf.readUInt8(offset + 7),
    flags: buf.readUInt32LE(offset + 8),
  };
  const ip = (t: number): string | undefined => {
    const d = a.get(t);
    return d && (d.length === 4 || d.length === 16) ? bufferToIp(d) : undefined;
  };
  const dst = ip(RTA_DST);
  if (dst !== undefined) m.dst = dst;
  const src = ip(RTA_SRC);
  if (src !== undefined) m.src = src;
  const gw = ip(RTA_GATEWAY);
  if (gw !== undefined) m.gateway = gw;
  const prio = a.u32(RTA_PRIORITY);
  if (prio !== undefined) m.priority = prio;
  const prefsrc = ip(RTA_PREFSRC);
  if (prefsrc !== undefined) m.prefsrc = prefsrc;
  const mark = a.u32(RTA_MARK);
  if (mark !== undefined) m.mark = mark;
  const pref = a.u8(RTA_PREF);
  if (pref !== undefined) m.pref = pref;
  const metrics = a.get(RTA_METRICS);
  if (metrics !== undefined) m.metrics = Buffer.from(metrics);
  const iif = a.u32(RTA_IIF);
  if (iif !== undefined) m.iif = iif;
  const oif = a.u32(RTA_OIF);
  if (oif !== undefined) m.oif = oif;
  return m;
}
