/**
 * The DNS query DNS_CHECK sends and the header fields it looks at in the
 * reply (check_dns.c): one question, RD set, no EDNS.
 */
import type { DnsQueryType } from './model.js';

export const DNS_TYPES: Record<DnsQueryType, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  RRSIG: 46,
  DNSKEY: 48,
};

export const DNS_HEADER_LEN = 12;
const FLAG_RD = 0x0100;
const FLAG_QR = 0x8000;

export interface DnsQuery {
  id: number;
  name: string;
  type: number;
}

/** QNAME as keepalived builds it: "" and "." both become the root label. */
export function encodeQname(name: string): Buffer {
  const parts: Buffer[] = [];
  if (name !== '' && name !== '.') {
    for (const label of name.replace(/\.$/, '').split('.')) {
      const b = Buffer.from(label, 'latin1');
      if (b.length > 63) throw new Error(`DNS label too long: ${label}`);
      parts.push(Buffer.from([b.length]), b);
    }
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function encodeDnsQuery(q: DnsQuery): Buffer {
  const qname = encodeQname(q.name);
  const buf = Buffer.alloc(DNS_HEADER_LEN + qname.length + 4);
  buf.writeUInt16BE(q.id & 0xffff, 0);
  buf.writeUInt16BE(FLAG_RD, 2);
  buf.writeUInt16BE(1, 4);
  qname.copy(buf, DNS_HEADER_LEN);
  buf.writeUInt16BE(q.type, DNS_HEADER_LEN + qname.length);
  buf.writeUInt16BE(1, DNS_HEADER_LEN + qname.length + 2);
  return buf;
}

export interface DnsReplyHeader {
  id: number;
  isResponse: boolean;
  rcode: number;
}

/** Reads the reply header at `offset`; null when the datagram is too short. */
export function decodeDnsHeader(buf: Buffer, offset = 0): DnsReplyHeader | null {
  if (buf.length - offset < DNS_HEADER_LEN) return null;
  const flags = buf.readUInt16BE(offset + 2);
  return { id: buf.readUInt16BE(offset), isResponse: (flags & FLAG_QR) !== 0, rcode: flags & 0x000f };
}

/** Builds a reply header (used by tests' responders and by the round-trip tests). */
export function encodeDnsHeader(h: DnsReplyHeader & { qdcount?: number; ancount?: number }): Buffer {
  const buf = Buffer.alloc(DNS_HEADER_LEN);
  buf.writeUInt16BE(h.id & 0xffff, 0);
  buf.writeUInt16BE((h.isResponse ? FLAG_QR : 0) | FLAG_RD | (h.rcode & 0xf), 2);
  buf.writeUInt16BE(h.qdcount ?? 0, 4);
  buf.writeUInt16BE(h.ancount ?? 0, 6);
  return buf;
}

/**
 * Pure reply validation, as dns_recv_thread does it: a reason to keep
 * waiting (null = ignore this datagram), or the verdict.
 */
export function judgeDnsReply(sentId: number, reply: Buffer): { verdict: 'ignore' } | { verdict: 'ok' } | { verdict: 'error'; rcode: number } {
  const h = decodeDnsHeader(reply);
  if (!h || h.id !== sentId || !h.isResponse) return { verdict: 'ignore' };
  if (h.rcode !== 0) return { verdict: 'error', rcode: h.rcode };
  return { verdict: 'ok' };
}
