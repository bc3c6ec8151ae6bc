// Netlink framing for generic netlink: struct nlmsghdr + struct genlmsghdr,
// attributes (struct nlattr) and the NLMSG_ERROR payload.
// (netlink-reflector has its own rtnetlink copy; the dependency rule keeps
// them apart. If a third user appears this belongs in native/lib.)
import {
  NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK_TLVS, NLM_F_CAPPED,
} from './constants.js';

export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLA_HDRLEN = 4;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;

export const align4 = (n: number): number => (n + 3) & ~3;

export interface NlHeader {
  /** nlmsg_type: a generic netlink family id, or NLMSG_ERROR / NLMSG_DONE. */
  type: number;
  flags: number;
  seq: number;
  /** Sender port id (libnl fills in the socket's own; the kernel sends 0). */
  pid: number;
}

/** One generic netlink message: nlmsghdr + genlmsghdr + attribute bytes. */
export interface GenlMessage extends NlHeader {
  cmd: number;
  version: number;
  /** The attribute stream after the genl header (a view, not a copy, when decoded). */
  attrs: Buffer;
}

export function genlMessageLength(attrsLength: number): number {
  return align4(NLMSG_HDRLEN + GENL_HDRLEN + attrsLength);
}

/**
 * Writes the message at `offset` of `target` (allocated when omitted) and
 * returns a view of the written bytes. nlmsg_len counts the unpadded length,
 * as the kernel and libnl do; attribute streams are 4-byte aligned anyway.
 */
export function encodeGenl(msg: GenlMessage, target?: Buffer, offset = 0): Buffer {
  const len = NLMSG_HDRLEN + GENL_HDRLEN + msg.attrs.length;
  const total = align4(len);
  const out = target ?? Buffer.alloc(offset + total);
  if (out.length < offset + total) throw new RangeError(`buffer too small for a ${total}-byte netlink message`);
  out.writeUInt32LE(len, offset);
  out.writeUInt16LE(msg.type, offset + 4);
  out.writeUInt16LE(msg.flags, offset + 6);
  out.writeUInt32LE(msg.seq >>> 0, offset + 8);
  out.writeUInt32LE(msg.pid >>> 0, offset + 12);
  out.writeUInt8(msg.cmd, offset + 16);
  out.writeUInt8(msg.version, offset + 17);
  out.writeUInt16LE(0, offset + 18);
  msg.attrs.copy(out, offset + NLMSG_HDRLEN + GENL_HDRLEN);
  out.fill(0, offset + len, offset + total);
  return out.subarray(offset, offset + total);
}

/** A raw message as split from a datagram. */
export interface NlMessage extends NlHeader {
  /** Bytes after the 16-byte header, up to nlmsg_len (a view). */
  payload: Buffer;
}

/** Why the bytes are not a sequence of whole netlink messages, or undefined. */
export function validateNlmsgs(buf: Buffer, offset = 0, end = buf.length): string | undefined {
  let off = offset;
  while (off < end) {
    if (end - off < NLMSG_HDRLEN) return `${end - off} trailing bytes at offset ${off} are shorter than a netlink header`;
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN) return `netlink message at offset ${off} has length ${len} < ${NLMSG_HDRLEN}`;
    if (off + len > end) return `netlink message at offset ${off} (length ${len}) is truncated (${end - off} bytes left)`;
    off += align4(len);
  }
  return undefined;
}

/** Splits one datagram into its messages; throws RangeError when malformed. */
export function splitNlmsgs(buf: Buffer, offset = 0, end = buf.length): NlMessage[] {
  const reason = validateNlmsgs(buf, offset, end);
  if (reason) throw new RangeError(reason);
  const out: NlMessage[] = [];
  for (let off = offset; off < end;) {
    const len = buf.readUInt32LE(off);
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Reads the genl header of a family message; throws RangeError if it is too short. */
export function toGenl(msg: NlMessage): GenlMessage {
  if (msg.payload.length < GENL_HDRLEN) {
    throw new RangeError(`generic netlink message of type ${msg.type} has ${msg.payload.length} payload bytes, needs ${GENL_HDRLEN}`);
  }
  return {
    type: msg.type, flags: msg.flags, seq: msg.seq, pid: msg.pid,
    cmd: msg.payload.readUInt8(0),
    version: msg.payload.readUInt8(1),
    attrs: msg.payload.subarray(GENL_HDRLEN),
  };
}

/** Decodes a single whole generic netlink message (e.g. one sendmsg() payload). */
export function decodeGenl(buf: Buffer, offset = 0, end = buf.length): GenlMessage {
  const msgs = splitNlmsgs(buf, offset, end);
  if (msgs.length !== 1) throw new RangeError(`expected one netlink message, found ${msgs.length}`);
  return toGenl(msgs[0]!);
}

// --- attributes ---

export interface Attr {
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  data: Buffer;
}

/** Why an attribute stream is malformed, or undefined when it is well formed. */
export function validateAttrs(buf: Buffer, start = 0, end = buf.length): string | undefined {
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN) return `attribute at offset ${off - start} has length ${len} < ${NLA_HDRLEN}`;
    if (off + len > end) return `attribute at offset ${off - start} (length ${len}) overruns its container`;
    off += align4(len);
  }
  return undefined;
}

export function decodeAttrs(buf: Buffer, start = 0, end = buf.length): Attr[] {
  const reason = validateAttrs(buf, start, end);
  if (reason) throw new RangeError(reason);
  const out: Attr[] = [];
  for (let off = start; off + NLA_HDRLEN <= end;) {
    const len = buf.readUInt16LE(off);
    const raw = buf.readUInt16LE(off + 2);
    out.push({
      type: raw & NLA_TYPE_MASK,
      nested: (raw & NLA_F_NESTED) !== 0,
      netByteOrder: (raw & NLA_F_NET_BYTEORDER) !== 0,
      data: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Attribute lookup by type (first occurrence wins, as in the kernel's nla_parse). */
export class Attrs {
  readonly list: Attr[];
  private readonly byType = new Map<number, Attr>();

  constructor(list: Attr[]) {
    this.list = list;
    for (const a of list) if (!this.byType.has(a.type)) this.byType.set(a.type, a);
  }
  static decode(buf: Buffer, start = 0, end = buf.length): Attrs {
    return new Attrs(decodeAttrs(buf, start, end));
  }
  has(type: number): boolean { return this.byType.has(type); }
  get(type: number): Buffer | undefined { return this.byType.get(type)?.data; }
  private need(type: number, size: number, what: string): Buffer | undefined {
    const d = this.get(type);
    if (d === undefined) return undefined;
    if (d.length < size) throw new RangeError(`attribute ${what}(${type}) has ${d.length} bytes, needs ${size}`);
    return d;
  }
  u8(type: number): number | undefined { return this.need(type, 1, 'u8')?.readUInt8(0); }
  u16(type: number): number | undefined { return this.need(type, 2, 'u16')?.readUInt16LE(0); }
  be16(type: number): number | undefined { return this.need(type, 2, 'be16')?.readUInt16BE(0); }
  u32(type: number): number | undefined { return this.need(type, 4, 'u32')?.readUInt32LE(0); }
  s32(type: number): number | undefined { return this.need(type, 4, 's32')?.readInt32LE(0); }
  be32(type: number): number | undefined { return this.need(type, 4, 'be32')?.readUInt32BE(0); }
  u64(type: number): bigint | undefined { return this.need(type, 8, 'u64')?.readBigUInt64LE(0); }
  /** A C string: stops at the first NUL. */
  str(type: number): string | undefined {
    const d = this.get(type);
    if (d === undefined) return undefined;
    const nul = d.indexOf(0);
    return d.toString('utf8', 0, nul < 0 ? d.length : nul);
  }
  nested(type: number): Attrs | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : Attrs.decode(d);
  }
}

/** Builds an attribute stream the way libnl does (NLA_F_NESTED on containers, zero padding). */
export class AttrWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  get length(): number { return this.size; }

  raw(type: number, data: Buffer): this {
    const len = NLA_HDRLEN + data.length;
    if (len > 0xffff) throw new RangeError(`attribute ${type} of ${len} bytes exceeds 65535`);
    const chunk = Buffer.alloc(align4(len));
    chunk.writeUInt16LE(len, 0);
    chunk.writeUInt16LE(type, 2);
    data.copy(chunk, NLA_HDRLEN);
    this.parts.push(chunk);
    this.size += chunk.length;
    return this;
  }
  u8(type: number, v: number): this { return this.raw(type, Buffer.from([v & 0xff])); }
  u16(type: number, v: number): this { const b = Buffer.alloc(2); b.writeUInt16LE(v & 0xffff); return this.raw(type, b); }
  be16(type: number, v: number): this { const b = Buffer.alloc(2); b.writeUInt16BE(v & 0xffff); return this.raw(type, b); }
  u32(type: number, v: number): this { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return this.raw(type, b); }
  s32(type: number, v: number): this { const b = Buffer.alloc(4); b.writeInt32LE(v | 0); return this.raw(type, b); }
  be32(type: number, v: number): this { const b = Buffer.alloc(4); b.writeUInt32BE(v >>> 0); return this.raw(type, b); }
  u64(type: number, v: bigint): this { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return this.raw(type, b); }
  /** NUL-terminated, as NLA_PUT_STRING writes it. */
  str(type: number, s: string): this { return this.raw(type, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)])); }
  nested(type: number, build: (w: AttrWriter) => void): this {
    const inner = new AttrWriter();
    build(inner);
    return this.raw(type | NLA_F_NESTED, inner.toBuffer());
  }
  toBuffer(): Buffer { return Buffer.concat(this.parts, this.size); }
}

// --- acks and errors ---

/** struct nlmsgerr, decoded. */
export interface NlError {
  /** Positive errno; 0 is an ACK. */
  errno: number;
  /** Header of the request this answers. */
  request: NlHeader;
  /** Extended ack text (NETLINK_EXT_ACK), when the kernel sent one. */
  extMessage?: string;
  extOffset?: number;
}

export function encodeNlErrorPayload(err: NlError, requestLength = NLMSG_HDRLEN): Buffer {
  // We always cap the echoed request to its header (what the kernel does with NETLINK_CAP_ACK).
  const body = Buffer.alloc(4 + NLMSG_HDRLEN);
  body.writeInt32LE(-err.errno, 0);
  body.writeUInt32LE(requestLength, 4);
  body.writeUInt16LE(err.request.type, 8);
  body.writeUInt16LE(err.request.flags, 10);
  body.writeUInt32LE(err.request.seq >>> 0, 12);
  body.writeUInt32LE(err.request.pid >>> 0, 16);
  return body;
}

export function decodeNlError(msg: NlMessage): NlError {
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) throw new RangeError(`NLMSG_ERROR payload of ${p.length} bytes is too short`);
  const out: NlError = {
    errno: -p.readInt32LE(0),
    request: { type: p.readUInt16LE(8), flags: p.readUInt16LE(10), seq: p.readUInt32LE(12), pid: p.readUInt32LE(16) },
  };
  if (msg.flags & NLM_F_ACK_TLVS) {
    const origLen = p.readUInt32LE(4);
    const tlvStart = 4 + (msg.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(origLen));
    if (tlvStart <= p.length && validateAttrs(p, tlvStart, p.length) === undefined) {
      const tlv = Attrs.decode(p, tlvStart, p.length);
      const text = tlv.str(NLMSGERR_ATTR_MSG);
      if (text !== undefined) out.extMessage = text;
      const offs = tlv.u32(NLMSGERR_ATTR_OFFS);
      if (offs !== undefined) out.extOffset = offs;
    }
  }
  return out;
}

/** Raw netlink message (no genl header) such as NLMSG_ERROR / NLMSG_DONE. */
export function encodeNlmsg(header: NlHeader, body: Buffer): Buffer {
  const len = NLMSG_HDRLEN + body.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(header.type, 4);
  out.writeUInt16LE(header.flags, 6);
  out.writeUInt32LE(header.seq >>> 0, 8);
  out.writeUInt32LE(header.pid >>> 0, 12);
  body.copy(out, NLMSG_HDRLEN);
  return out;
}

export function encodeAck(request: NlHeader, errno = 0, pid = 0): Buffer {
  return encodeNlmsg({ type: NLMSG_ERROR, flags: NLM_F_CAPPED, seq: request.seq, pid }, encodeNlErrorPayload({ errno, request }));
}

export function encodeDone(seq: number, pid = 0, flags = 0x02 /* NLM_F_MULTI */): Buffer {
  const body = Buffer.alloc(4);
  return encodeNlmsg({ type: NLMSG_DONE, flags, seq, pid }, body);
}
