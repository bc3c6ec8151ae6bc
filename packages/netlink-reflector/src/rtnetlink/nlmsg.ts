// struct nlmsghdr framing and the NLMSG_ERROR (ack) payload.
import { AttrSet } from './attrs.js';
import { NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSG_ERROR, NLM_F_ACK_TLVS, NLM_F_CAPPED } from './constants.js';

export const NLMSG_HDRLEN = 16;
export const NLMSG_ALIGNTO = 4;

export function nlmsgAlign(len: number): number {
  return (len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
}

export interface NlHeader {
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

/** Writes header + body at `offset` of `target` (allocated when omitted); returns the written bytes. */
export function encodeNlmsg(header: NlHeader, body: Buffer, target?: Buffer, offset = 0): Buffer {
  const len = NLMSG_HDRLEN + body.length;
  const total = nlmsgAlign(len);
  const out = target ?? Buffer.alloc(offset + total);
  if (out.length < offset + total) throw new RangeError(`buffer too small for a ${total}-byte netlink message`);
  out.writeUInt32LE(len, offset);
  out.writeUInt16LE(header.type, offset + 4);
  out.writeUInt16LE(header.flags, offset + 6);
  out.writeUInt32LE(header.seq >>> 0, offset + 8);
  out.writeUInt32LE(header.pid >>> 0, offset + 12);
  body.copy(out, offset + NLMSG_HDRLEN);
  out.fill(0, offset + len, offset + total);
  return out.subarray(offset, offset + total);
}

/** Why a datagram is not a sequence of whole netlink messages, or undefined if it is. */
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

/** Splits one received datagram into its messages. Throws RangeError when malformed. */
export function decodeNlmsgs(buf: Buffer, offset = 0, end = buf.length): NlMessage[] {
  const reason = validateNlmsgs(buf, offset, end);
  if (reason) throw new RangeError(reason);
  const out: NlMessage[] = [];
  let off = offset;
  while (off < end) {
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

/** struct nlmsgerr: error 0 is an ACK; otherwise a negative errno. */
export interface NlError {
  /** Positive errno, 0 for an ACK. */
  errno: number;
  /** Header of the request this answers. */
  request: NlHeader;
  /** Extended ack text (NETLINK_EXT_ACK), e.g. "Nexthop device is not up". */
  extMessage?: string;
  extOffset?: number;
}

export function encodeNlError(err: NlError, requestPayload: Buffer = Buffer.alloc(0)): Buffer {
  const orig = encodeNlmsg(err.request, requestPayload);
  // The embedded header carries the original request length, not the capped one.
  const body = Buffer.alloc(4 + orig.length);
  body.writeInt32LE(-err.errno, 0);
  orig.copy(body, 4);
  return body;
}

export function decodeNlError(msg: NlMessage): NlError {
  const p = msg.payload;
  if (p.length < 4 + NLMSG_HDRLEN) throw new RangeError(`NLMSG_ERROR payload of ${p.length} bytes is too short`);
  const errno = -p.readInt32LE(0);
  const request: NlHeader = {
    type: p.readUInt16LE(8),
    flags: p.readUInt16LE(10),
    seq: p.readUInt32LE(12),
    pid: p.readUInt32LE(16),
  };
  const out: NlError = { errno, request };
  if (msg.flags & NLM_F_ACK_TLVS) {
    // Without NLM_F_CAPPED the whole original request sits between the header and the TLVs.
    const origLen = p.readUInt32LE(4);
    const tlvStart = 4 + (msg.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : nlmsgAlign(origLen));
    if (tlvStart <= p.length) {
      const attrs = AttrSet.decode(p, tlvStart, p.length);
      const text = attrs.str(NLMSGERR_ATTR_MSG);
      if (text !== undefined) out.extMessage = text;
      const offs = attrs.u32(NLMSGERR_ATTR_OFFS);
      if (offs !== undefined) out.extOffset = offs;
    }
  }
  return out;
}

export function isError(msg: NlMessage): boolean {
  return msg.type === NLMSG_ERROR;
}
