// Generic netlink messages: struct nlmsghdr + struct genlmsghdr + attributes.
// The netlink framing itself (headers, attributes, acks) is shared with
// rtnetlink and lives in @keepalived-ts/native.
import { NLMSG_HDRLEN, decodeNlmsgs, encodeNlmsg, nlmsgAlign, type NlHeader, type NlMessage } from '@keepalived-ts/native';

// Part of this package's API since before the framing moved (conformance/ipvs reads replies with them).
export { decodeNlError, decodeNlmsgs as splitNlmsgs } from '@keepalived-ts/native';

export const GENL_HDRLEN = 4;

/** One generic netlink message: nlmsghdr + genlmsghdr + attribute bytes. */
export interface GenlMessage extends NlHeader {
  cmd: number;
  version: number;
  /** The attribute stream after the genl header (a view, not a copy, when decoded). */
  attrs: Buffer;
}

export function genlMessageLength(attrsLength: number): number {
  return nlmsgAlign(NLMSG_HDRLEN + GENL_HDRLEN + attrsLength);
}

/**
 * Writes the message at `offset` of `target` (allocated when omitted) and
 * returns a view of the written bytes. nlmsg_len counts the unpadded length,
 * as the kernel and libnl do; attribute streams are 4-byte aligned anyway.
 */
export function encodeGenl(msg: GenlMessage, target?: Buffer, offset = 0): Buffer {
  const body = Buffer.alloc(GENL_HDRLEN + msg.attrs.length); // genlmsghdr: cmd, version, u16 reserved (0)
  body.writeUInt8(msg.cmd, 0);
  body.writeUInt8(msg.version, 1);
  msg.attrs.copy(body, GENL_HDRLEN);
  return encodeNlmsg(msg, body, target, offset);
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
  const msgs = decodeNlmsgs(buf, offset, end);
  if (msgs.length !== 1) throw new RangeError(`expected one netlink message, found ${msgs.length}`);
  return toGenl(msgs[0]!);
}
