// Netlink framing shared by every netlink protocol we speak (rtnetlink,
// generic netlink): struct nlmsghdr, struct nlattr streams and the
// NLMSG_ERROR / NLMSG_DONE payloads (<linux/netlink.h>), errno names, and
// the matching of replies to requests by sequence number. Protocol bodies
// (ifinfomsg, genlmsghdr, ...) and the sockets live with their packages.
//
// Convention: validate*() is pure and returns why the bytes are malformed (or
// undefined); decode*() throws a RangeError with that same reason.

import { getSystemErrorMap } from 'node:util';

// --- <linux/netlink.h> numbers ---
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;
// GET request modifiers
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_ATOMIC = 0x400;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
// NEW request modifiers
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
/** In an NLMSG_ERROR: the echoed request was cut to its header. */
export const NLM_F_CAPPED = 0x100;
/** In an NLMSG_ERROR: extended-ack TLVs follow the echoed request. */
export const NLM_F_ACK_TLVS = 0x200;

/** Extended ack attributes carried after an NLMSG_ERROR. */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;

export const NLMSG_HDRLEN = 16;
export const NLMSG_ALIGNTO = 4;
export const NLA_HDRLEN = 4;
export const NLA_ALIGNTO = 4;
/** The kernel marks container attributes with this bit; type numbers live below it. */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;

export function nlmsgAlign(len: number): number {
  return (len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
}

export function nlaAlign(len: number): number {
  return (len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
}

// --- struct nlmsghdr ---

export interface NlHeader {
  /** nlmsg_type: a protocol message type, a generic netlink family id, or NLMSG_ERROR / NLMSG_DONE. */
  type: number;
  flags: number;
  seq: number;
  /** Port id of the sender; 0 for messages from the kernel. */
  pid: number;
}

export interface NlMessage extends NlHeader {
  /** Bytes after the 16-byte header, up to nlmsg_len (a view, not a copy). */
  payload: Buffer;
}

/** Writes a 16-byte nlmsghdr at `offset`; `length` is nlmsg_len (header included, padding not). */
export function writeNlHeader(out: Buffer, offset: number, length: number, header: NlHeader): void {
  out.writeUInt32LE(length, offset);
  out.writeUInt16LE(header.type, offset + 4);
  out.writeUInt16LE(header.flags, offset + 6);
  out.writeUInt32LE(header.seq >>> 0, offset + 8);
  out.writeUInt32LE(header.pid >>> 0, offset + 12);
}

/**
 * Writes header + body at `offset` of `target` (allocated when omitted) and
 * returns a view of the written bytes. nlmsg_len counts the unpadded length,
 * as the kernel, libnl and iproute2 do; the pad is zeroed.
 */
export function encodeNlmsg(header: NlHeader, body: Buffer, target?: Buffer, offset = 0): Buffer {
  const len = NLMSG_HDRLEN + body.length;
  const total = nlmsgAlign(len);
  const out = target ?? Buffer.alloc(offset + total);
  if (out.length < offset + total) throw new RangeError(`buffer too small for a ${total}-byte netlink message`);
  writeNlHeader(out, offset, len, header);
  body.copy(out, offset + NLMSG_HDRLEN);
  out.fill(0, offset + len, offset + total);
  return out.subarray(offset, offset + total);
}

/** Why the bytes are not a sequence of whole netlink messages, or undefined if they are. */
export function validateNlmsgs(buf: Buffer, offset = 0, end = buf.length): string | undefined {
  let off = offset;
  while (off < end) {
    if (end - off < NLMSG_HDRLEN) return `${end - off} trailing bytes at offset ${off} are shorter than a netlink header`;
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN) return `netlink message at offset ${off} has length ${len} < ${NLMSG_HDRLEN}`;
    if (off + len > end) return `netlink message at offset ${off} (length ${len}) is truncated (${end - off} bytes left)`;
    off += nlmsgAlign(len);
  }
  return undefined;
}

/** Splits one datagram into its messages (payloads are views). Throws RangeError when malformed. */
export function decodeNlmsgs(buf: Buffer, offset = 0, end = buf.length): NlMessage[] {
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
    off += nlmsgAlign(len);
  }
  return out;
}

// --- struct nlattr streams ---

export interface Attr {
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  /** The payload only (a view into the original buffer, no padding). */
  data: Buffer;
}

/** Why an attribute stream is malformed, or undefined when it is well formed. */
export function validateAttrs(buf: Buffer, start = 0, end = buf.length): string | undefined {
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN) return `attribute at offset ${off} has length ${len} < ${NLA_HDRLEN}`;
    if (off + len > end) return `attribute at offset ${off} (length ${len}) overruns its container (end ${end})`;
    off += nlaAlign(len);
  }
  return undefined;
}

/** Splits an attribute stream; trailing bytes shorter than a header are ignored as padding. */
export function decodeAttrs(buf: Buffer, start = 0, end = buf.length): Attr[] {
  const reason = validateAttrs(buf, start, end);
  if (reason) throw new RangeError(reason);
  const out: Attr[] = [];
  for (let off = start; off + NLA_HDRLEN <= end;) {
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      data: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += nlaAlign(len);
  }
  return out;
}

/**
 * Read access to a decoded attribute list; the first occurrence of a type
 * wins, as in the kernel's nla_parse. A fixed-size reader given a payload
 * shorter than its type yields undefined here (the attribute counts as
 * absent); StrictAttrSet throws instead.
 */
export class AttrSet {
  readonly list: Attr[];
  private readonly byType = new Map<number, Attr>();

  constructor(list: Attr[]) {
    this.list = list;
    for (const a of list) if (!this.byType.has(a.type)) this.byType.set(a.type, a);
  }

  /** Decodes a stream into this class (a StrictAttrSet stays strict); throws RangeError when malformed. */
  static decode<T extends AttrSet>(this: new (list: Attr[]) => T, buf: Buffer, start = 0, end = buf.length): T {
    return new this(decodeAttrs(buf, start, end));
  }

  has(type: number): boolean { return this.byType.has(type); }
  get(type: number): Buffer | undefined { return this.byType.get(type)?.data; }
  all(type: number): Buffer[] { return this.list.filter((a) => a.type === type).map((a) => a.data); }

  /** The payload when it holds at least `size` bytes. */
  protected sized(type: number, size: number, _what: string): Buffer | undefined {
    const d = this.get(type);
    return d && d.length >= size ? d : undefined;
  }
  u8(type: number): number | undefined { return this.sized(type, 1, 'u8')?.readUInt8(0); }
  u16(type: number): number | undefined { return this.sized(type, 2, 'u16')?.readUInt16LE(0); }
  be16(type: number): number | undefined { return this.sized(type, 2, 'be16')?.readUInt16BE(0); }
  u32(type: number): number | undefined { return this.sized(type, 4, 'u32')?.readUInt32LE(0); }
  s32(type: number): number | undefined { return this.sized(type, 4, 's32')?.readInt32LE(0); }
  be32(type: number): number | undefined { return this.sized(type, 4, 'be32')?.readUInt32BE(0); }
  u64(type: number): bigint | undefined { return this.sized(type, 8, 'u64')?.readBigUInt64LE(0); }
  /** A C string attribute; the payload stops at the first NUL. */
  str(type: number): string | undefined {
    const d = this.get(type);
    if (d === undefined) return undefined;
    const nul = d.indexOf(0);
    return d.toString('utf8', 0, nul < 0 ? d.length : nul);
  }
  /** A container attribute, decoded into the same class as this one. */
  nested(type: number): this | undefined {
    const d = this.get(type);
    return d === undefined ? undefined : (this.constructor as typeof AttrSet).decode(d) as this;
  }
}

/** An AttrSet whose fixed-size readers throw RangeError on a payload too short for its type. */
export class StrictAttrSet extends AttrSet {
  protected override sized(type: number, size: number, what: string): Buffer | undefined {
    const d = this.get(type);
    if (d === undefined) return undefined;
    if (d.length < size) throw new RangeError(`attribute ${what}(${type}) has ${d.length} bytes, needs ${size}`);
    return d;
  }
}

/** Builds an attribute stream: zero padding to 4 bytes, nla_len excluding the pad. */
export class AttrWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  get length(): number { return this.size; }

  raw(type: number, data: Buffer): this {
    const len = NLA_HDRLEN + data.length;
    if (len > 0xffff) throw new RangeError(`attribute ${type} of ${len} bytes exceeds 65535`);
    const chunk = Buffer.alloc(nlaAlign(len));
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
  /** NUL-terminated, as NLA_PUT_STRING writes it and the NLA_NUL_STRING policy expects. */
  str(type: number, s: string): this { return this.raw(type, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)])); }
  /**
   * Container attribute. `flagNested` sets NLA_F_NESTED: libnl always does
   * (generic netlink), iproute2 only for some rtnetlink containers.
   */
  nested(type: number, build: (w: AttrWriter) => void, flagNested: boolean): this {
    const inner = new AttrWriter();
    build(inner);
    return this.raw(flagNested ? type | NLA_F_NESTED : type, inner.toBuffer());
  }
  toBuffer(): Buffer { return Buffer.concat(this.parts, this.size); }
}

// --- NLMSG_ERROR (struct nlmsgerr) and NLMSG_DONE ---

export interface NlError {
  /** Positive errno; 0 is an ACK. */
  errno: number;
  /** Header of the request this answers. */
  request: NlHeader;
  /** Extended ack text (NETLINK_EXT_ACK), e.g. "Nexthop device is not up". */
  extMessage?: string;
  extOffset?: number;
}

const NLMSGERR_MIN = 4 + NLMSG_HDRLEN;

/**
 * The NLMSG_ERROR payload: -errno, then the request's header followed by
 * `echoedPayload` (empty: capped to the header, as with NETLINK_CAP_ACK).
 * `requestLength` is the echoed nlmsg_len; the kernel keeps the original
 * request's length there even when it caps the echo.
 */
export function encodeNlError(err: NlError, echoedPayload: Buffer = Buffer.alloc(0),
  requestLength = NLMSG_HDRLEN + echoedPayload.length): Buffer {
  const body = Buffer.alloc(4 + nlmsgAlign(NLMSG_HDRLEN + echoedPayload.length));
  body.writeInt32LE(-err.errno, 0);
  writeNlHeader(body, 4, requestLength, err.request);
  echoedPayload.copy(body, NLMSGERR_MIN);
  return body;
}

/** Why an NLMSG_ERROR payload cannot be read, or undefined. Malformed ext-ack TLVs are not a reason: they are ignored. */
export function validateNlError(msg: NlMessage): string | undefined {
  const n = msg.payload.length;
  return n < NLMSGERR_MIN ? `NLMSG_ERROR payload of ${n} bytes is too short` : undefined;
}

/** Reads an NLMSG_ERROR; throws RangeError when validateNlError gives a reason. */
export function decodeNlError(msg: NlMessage): NlError {
  const reason = validateNlError(msg);
  if (reason) throw new RangeError(reason);
  const p = msg.payload;
  const out: NlError = {
    errno: -p.readInt32LE(0),
    request: { type: p.readUInt16LE(8), flags: p.readUInt16LE(10), seq: p.readUInt32LE(12), pid: p.readUInt32LE(16) },
  };
  if (msg.flags & NLM_F_ACK_TLVS) {
    // Without NLM_F_CAPPED the whole original request sits between the header and the TLVs.
    const origLen = p.readUInt32LE(4);
    const tlvStart = 4 + (msg.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : nlmsgAlign(origLen));
    if (tlvStart <= p.length && validateAttrs(p, tlvStart, p.length) === undefined) {
      const tlv = AttrSet.decode(p, tlvStart, p.length);
      const text = tlv.str(NLMSGERR_ATTR_MSG);
      if (text !== undefined) out.extMessage = text;
      const offs = tlv.u32(NLMSGERR_ATTR_OFFS);
      if (offs !== undefined) out.extOffset = offs;
    }
  }
  return out;
}

/** A whole NLMSG_ERROR message answering `request` (errno 0: an ACK), capped as with NETLINK_CAP_ACK. */
export function encodeAck(request: NlHeader, errno = 0, pid = 0): Buffer {
  return encodeNlmsg({ type: NLMSG_ERROR, flags: NLM_F_CAPPED, seq: request.seq, pid }, encodeNlError({ errno, request }));
}

/** The NLMSG_DONE payload: the dump's final int status (0). */
export function encodeDonePayload(): Buffer {
  return Buffer.alloc(4);
}

/** A whole NLMSG_DONE message ending a dump. */
export function encodeDone(seq: number, pid = 0, flags = NLM_F_MULTI): Buffer {
  return encodeNlmsg({ type: NLMSG_DONE, flags, seq, pid }, encodeDonePayload());
}

// --- errno of an NLMSG_ERROR, named as Node names a failed syscall ---

const errnoNames = (() => {
  const byNumber = new Map<number, { code: string; text: string }>();
  // libuv keys the map by negative errno.
  for (const [neg, [code, text]] of getSystemErrorMap()) byNumber.set(-neg, { code, text });
  return byNumber;
})();

/** 'EEXIST' for 17; `E<n>` for a number libuv does not know. */
export function errnoCode(errno: number): string {
  return errnoNames.get(errno)?.code ?? `E${errno}`;
}

/** strerror()-like text, 'file already exists' for 17; `error <n>` when unknown. */
export function errnoText(errno: number): string {
  return errnoNames.get(errno)?.text ?? `error ${errno}`;
}

// --- matching replies to requests ---

/** A request waiting for its reply: the parts received so far, and how to finish it. */
export interface NlPendingRequest<Part, Info> {
  readonly dump: boolean;
  /** Whatever the socket needs to name the request in an error. */
  readonly info: Info;
  readonly parts: Part[];
  resolve(parts: Part[]): void;
  reject(err: Error): void;
}

/**
 * Sequence numbers and the requests waiting on them. A request ends with its
 * NLMSG_ERROR (errno 0: an ACK) or NLMSG_DONE; a dump part without
 * NLM_F_MULTI ends a dump on its own, since no DONE follows it. Decoding
 * replies and building errors is left to the protocol's socket.
 */
export class NlRequestTable<Part, Info> {
  private lastSeq: number;
  private readonly pending = new Map<number, NlPendingRequest<Part, Info>>();

  /** Seeded from the clock like libnl and iproute2, so a restarted daemon's numbers differ. */
  constructor(seed = Math.floor(Date.now() / 1000)) {
    this.lastSeq = seed >>> 0;
  }

  get size(): number { return this.pending.size; }

  nextSeq(): number {
    this.lastSeq = (this.lastSeq + 1) >>> 0;
    return this.lastSeq;
  }

  add(seq: number, request: Omit<NlPendingRequest<Part, Info>, 'parts'>): void {
    this.pending.set(seq, { ...request, parts: [] });
  }

  get(seq: number): NlPendingRequest<Part, Info> | undefined {
    return this.pending.get(seq);
  }

  /** Ends the request with `err` (e.g. its send failed or its reply was unreadable). */
  fail(seq: number, err: Error): void {
    const p = this.take(seq);
    p?.reject(err);
  }

  /** The NLMSG_ERROR answering `seq`: an ACK resolves with the parts, an errno rejects with `toError`. */
  acked(seq: number, answer: NlError, toError: (info: Info, answer: NlError) => Error): void {
    const p = this.take(seq);
    if (!p) return;
    if (answer.errno === 0) p.resolve(p.parts);
    else p.reject(toError(p.info, answer));
  }

  /** NLMSG_DONE: the dump is complete. */
  done(seq: number): void {
    const p = this.take(seq);
    p?.resolve(p.parts);
  }

  /** A reply part with its nlmsg_flags. */
  part(seq: number, flags: number, part: Part): void {
    const p = this.pending.get(seq);
    if (!p) return;
    p.parts.push(part);
    if (p.dump && !(flags & NLM_F_MULTI)) this.done(seq);
  }

  /** Rejects every waiting request (socket error or close). */
  failAll(errorFor: (info: Info) => Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(errorFor(p.info));
  }

  private take(seq: number): NlPendingRequest<Part, Info> | undefined {
    const p = this.pending.get(seq);
    if (p) this.pending.delete(seq);
    return p;
  }
}
