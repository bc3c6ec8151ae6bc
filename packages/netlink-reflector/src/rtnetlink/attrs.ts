// Netlink attributes (struct rtattr / nlattr): 4-byte header { u16 len; u16 type }
// followed by the payload, each attribute padded to a 4-byte boundary.

export const NLA_ALIGNTO = 4;
export const NLA_HDRLEN = 4;
/** The kernel marks container attributes with this bit; type numbers live below it. */
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;

export function nlaAlign(len: number): number {
  return (len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
}

export interface Attr {
  type: number;
  nested: boolean;
  /** The payload only (a view into the original buffer, no padding). */
  data: Buffer;
}

/** Why an attribute stream is malformed, or undefined when it is well formed. */
export function validateAttrs(buf: Buffer, start: number, end: number): string | undefined {
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
  let off = start;
  while (off + NLA_HDRLEN <= end) {
    const len = buf.readUInt16LE(off);
    const rawType = buf.readUInt16LE(off + 2);
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      data: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += nlaAlign(len);
  }
  return out;
}

/** Read access to a decoded attribute list, first occurrence wins. */
export class AttrSet {
  readonly list: Attr[];
  private readonly byType = new Map<number, Attr>();

  constructor(list: Attr[]) {
    this.list = list;
    for (const a of list) if (!this.byType.has(a.type)) this.byType.set(a.type, a);
  }

  static decode(buf: Buffer, start = 0, end = buf.length): AttrSet {
    return new AttrSet(decodeAttrs(buf, start, end));
  }

  has(type: number): boolean {
    return this.byType.has(type);
  }
  get(type: number): Buffer | undefined {
    return this.byType.get(type)?.data;
  }
  all(type: number): Buffer[] {
    return this.list.filter((a) => a.type === type).map((a) => a.data);
  }
  u8(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 1 ? d.readUInt8(0) : undefined;
  }
  u16(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 2 ? d.readUInt16LE(0) : undefined;
  }
  u32(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 4 ? d.readUInt32LE(0) : undefined;
  }
  s32(type: number): number | undefined {
    const d = this.get(type);
    return d && d.length >= 4 ? d.readInt32LE(0) : undefined;
  }
  /** A C string attribute; the payload stops at the first NUL. */
  str(type: number): string | undefined {
    const d = this.get(type);
    if (!d) return undefined;
    const nul = d.indexOf(0);
    return d.toString('utf8', 0, nul < 0 ? d.length : nul);
  }
  nested(type: number): AttrSet | undefined {
    const d = this.get(type);
    return d ? AttrSet.decode(d) : undefined;
  }
}

/** Builds an attribute stream; nested() writes a container attribute. */
export class AttrWriter {
  private readonly parts: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  raw(type: number, data: Buffer): this {
    const len = NLA_HDRLEN + data.length;
    const chunk = Buffer.alloc(nlaAlign(len));
    chunk.writeUInt16LE(len, 0);
    chunk.writeUInt16LE(type, 2);
    data.copy(chunk, NLA_HDRLEN);
    this.parts.push(chunk);
    this.size += chunk.length;
    return this;
  }
  u8(type: number, v: number): this {
    return this.raw(type, Buffer.from([v & 0xff]));
  }
  u16(type: number, v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v);
    return this.raw(type, b);
  }
  u32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return this.raw(type, b);
  }
  s32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.raw(type, b);
  }
  /** NUL-terminated string, as the kernel's NLA_STRING/NLA_NUL_STRING policies expect. */
  str(type: number, s: string): this {
    return this.raw(type, Buffer.concat([Buffer.from(s, 'utf8'), Buffer.alloc(1)]));
  }
  /** Container attribute; `flagNested` sets NLA_F_NESTED (iproute2 does for IFLA_LINKINFO). */
  nested(type: number, build: (w: AttrWriter) => void, flagNested = false): this {
    const inner = new AttrWriter();
    build(inner);
    return this.raw(flagNested ? type | NLA_F_NESTED : type, inner.toBuffer());
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}
