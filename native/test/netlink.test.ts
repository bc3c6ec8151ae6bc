// The shared netlink framing codec (lib/netlink.ts): nlmsghdr, nlattr streams, NLMSG_ERROR / NLMSG_DONE.
import t from 'tap';
import {
  AttrSet, AttrWriter, NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK, NLM_F_ACK_TLVS,
  NLM_F_CAPPED, NLM_F_MULTI, NLM_F_REQUEST, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NlRequestTable, StrictAttrSet, decodeAttrs,
  decodeNlError, decodeNlmsgs, encodeAck, encodeDone, encodeNlError, encodeNlmsg, nlaAlign, nlmsgAlign,
  errnoCode, errnoText, validateAttrs, validateNlError, validateNlmsgs, type NlMessage,
} from '../lib/index.js';

t.test('golden bytes: an RTM_GETLINK dump request as iproute2 writes it', async (t) => {
  const body = Buffer.from('11000000' + '00000000' + '00000000' + '00000000', 'hex'); // ifinfomsg, AF_PACKET
  const wire = encodeNlmsg({ type: 18, flags: NLM_F_REQUEST | 0x300, seq: 0x01020304, pid: 0 }, body);
  t.equal(wire.toString('hex'), '20000000' + '1200' + '0103' + '04030201' + '00000000' + body.toString('hex'));
});

t.test('nlmsghdr round trip, also at a non-zero offset, with zeroed padding', async (t) => {
  const header = { type: 0x1c, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 0xfffffffe, pid: 4242 };
  const body = Buffer.from([1, 2, 3, 4, 5]);
  const target = Buffer.alloc(64, 0xaa);
  const written = encodeNlmsg(header, body, target, 7);
  t.equal(written.length, 24, '16 + 5 rounded up to 24');
  t.equal(target.readUInt32LE(7), 21, 'nlmsg_len counts the unpadded length');
  t.same([...target.subarray(7 + 21, 7 + 24)], [0, 0, 0], 'pad zeroed');
  t.equal(target[6], 0xaa, 'byte before offset untouched');
  t.equal(target[7 + 24], 0xaa, 'byte after the message untouched');
  const [m, ...rest] = decodeNlmsgs(target, 7, 7 + 24);
  t.equal(rest.length, 0);
  t.same({ type: m!.type, flags: m!.flags, seq: m!.seq, pid: m!.pid }, header);
  t.same([...m!.payload], [...body], 'payload excludes the pad');
  t.throws(() => encodeNlmsg(header, body, Buffer.alloc(30), 7), RangeError, 'too small a target');
});

t.test('several messages in one datagram; truncated and garbage input gives a reason', async (t) => {
  const a = encodeNlmsg({ type: 20, flags: NLM_F_MULTI, seq: 1, pid: 0 }, Buffer.from([9, 9, 9]));
  const done = encodeDone(1);
  const both = Buffer.concat([a, done]);
  t.same(decodeNlmsgs(both).map((m) => [m.type, m.flags, m.payload.length]), [[20, NLM_F_MULTI, 3], [NLMSG_DONE, NLM_F_MULTI, 4]]);
  t.equal(validateNlmsgs(both), undefined);
  t.equal(validateNlmsgs(both, 0, 38), 'netlink message at offset 20 (length 20) is truncated (18 bytes left)');
  t.equal(validateNlmsgs(both, 0, 28), '8 trailing bytes at offset 20 are shorter than a netlink header');
  const garbage = Buffer.from('0300000001000000000000000000000000', 'hex');
  t.equal(validateNlmsgs(garbage), 'netlink message at offset 0 has length 3 < 16');
  t.throws(() => decodeNlmsgs(garbage), new RangeError('netlink message at offset 0 has length 3 < 16'));
  t.same(decodeNlmsgs(Buffer.alloc(0)), [], 'an empty datagram holds no messages');
});

t.test('alignment helpers', async (t) => {
  t.same([0, 1, 2, 3, 4, 5, 8].map(nlmsgAlign), [0, 4, 4, 4, 4, 8, 8]);
  t.same([0, 1, 4, 5, 7].map(nlaAlign), [0, 4, 4, 8, 8]);
});

t.test('attributes: padding, typed round trips at an offset, first occurrence wins', async (t) => {
  const w = new AttrWriter()
    .u8(1, 0x1ff).u16(2, 0x1234).be16(3, 0x1234).u32(4, 0xdeadbeef).s32(5, -2).be32(6, 0xc0000201)
    .u64(7, 0x0102030405060708n).str(8, 'eth0').raw(9, Buffer.alloc(0)).u32(4, 1);
  const stream = w.toBuffer();
  t.equal(w.length, stream.length);
  t.equal(stream.length, 6 * 8 + 12 + 12 + 4 + 8, 'each attribute padded to 4 bytes');
  t.same([...stream.subarray(0, 8)], [5, 0, 1, 0, 0xff, 0, 0, 0], 'u8: nla_len 5, value masked, zero pad');
  t.same([...stream.subarray(16, 24)], [6, 0, 3, 0, 0x12, 0x34, 0, 0], 'be16 in network order');
  const at = Buffer.concat([Buffer.from([0xee, 0xee, 0xee]), stream, Buffer.from([0xee])]);
  t.equal(validateAttrs(at, 3, 3 + stream.length), undefined);
  const a = AttrSet.decode(at, 3, 3 + stream.length);
  t.equal(a.u8(1), 0xff);
  t.equal(a.u16(2), 0x1234);
  t.equal(a.be16(3), 0x1234);
  t.equal(a.u32(4), 0xdeadbeef, 'first u32(4) wins');
  t.same(a.all(4).map((d) => d.readUInt32LE(0)), [0xdeadbeef, 1]);
  t.equal(a.s32(5), -2);
  t.equal(a.be32(6), 0xc0000201);
  t.equal(a.u64(7), 0x0102030405060708n);
  t.equal(a.str(8), 'eth0');
  t.equal(a.get(8)!.length, 5, 'strings carry their NUL');
  t.ok(a.has(9));
  t.equal(a.get(9)!.length, 0);
  t.notOk(a.has(10));
  t.equal(a.u32(10), undefined);
  t.equal(a.list.length, 10);
});

t.test('nested attributes: NLA_F_NESTED only when asked, decoded into the same reader class', async (t) => {
  const build = (flag: boolean) =>
    new AttrWriter().nested(1, (n) => n.u32(2, 7).nested(3, (m) => m.str(1, 'x'), flag), flag).toBuffer();
  const flagged = build(true);
  const plain = build(false);
  t.equal(flagged.readUInt16LE(2), 1 | NLA_F_NESTED);
  t.equal(plain.readUInt16LE(2), 1);
  t.same(flagged.subarray(4).readUInt16LE(10), 3 | NLA_F_NESTED, 'inner container flagged too');
  t.same([...plain.subarray(0, 2)], [...flagged.subarray(0, 2)], 'same length either way');
  for (const buf of [flagged, plain]) {
    const a = StrictAttrSet.decode(buf);
    t.equal(decodeAttrs(buf)[0]!.nested, buf === flagged);
    const outer = a.nested(1)!;
    t.ok(outer instanceof StrictAttrSet, 'nested() keeps the strict reader');
    t.equal(outer.u32(2), 7);
    t.equal(outer.nested(3)?.str(1), 'x');
  }
  t.ok(AttrSet.decode(flagged).nested(1) instanceof AttrSet);
  t.notOk(AttrSet.decode(flagged).nested(1) instanceof StrictAttrSet);
  const netOrder = Buffer.from([6, 0, 5, 0x40, 0, 80, 0, 0]);
  t.same(decodeAttrs(netOrder).map((x) => [x.type, x.netByteOrder, x.nested]), [[5, true, false]]);
  t.equal(netOrder.readUInt16LE(2) & NLA_F_NET_BYTEORDER, NLA_F_NET_BYTEORDER);
});

t.test('attributes: malformed streams give a reason; short payloads are absent or throw (strict)', async (t) => {
  const buf = new AttrWriter().str(3, 'ab').u8(4, 7).nested(18, (n) => n.u32(1, 1), true).toBuffer();
  t.equal(validateAttrs(buf, 0, buf.length - 4), 'attribute at offset 16 (length 12) overruns its container (end 24)');
  t.equal(validateAttrs(Buffer.from([2, 0, 1, 0])), 'attribute at offset 0 has length 2 < 4');
  t.throws(() => decodeAttrs(Buffer.from([2, 0, 1, 0])), RangeError);
  t.same(decodeAttrs(Buffer.from([8, 0, 1, 0, 1, 2, 3, 4, 0, 0])).length, 1, 'a tail shorter than a header is padding');
  const short = new AttrWriter().raw(1, Buffer.from([1, 2])).toBuffer();
  t.equal(AttrSet.decode(short).u32(1), undefined, 'lenient: a 2-byte u32 counts as absent');
  t.equal(AttrSet.decode(short).u16(1), 0x0201);
  t.throws(() => StrictAttrSet.decode(short).u32(1), new RangeError('attribute u32(1) has 2 bytes, needs 4'));
  t.throws(() => new AttrWriter().raw(1, Buffer.alloc(0xfffc)), RangeError, 'nla_len must fit 16 bits');
});

function asMessage(wire: Buffer): NlMessage {
  const [m] = decodeNlmsgs(wire);
  return m!;
}

t.test('NLMSG_ERROR: ack capped to the request header (NETLINK_CAP_ACK layout)', async (t) => {
  const request = { type: 0x1c, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 77, pid: 4 };
  const wire = encodeAck(request, 17, 9);
  t.equal(wire.toString('hex'),
    '24000000' + '0200' + '0001' + '4d000000' + '09000000' + 'efffffff' + '10000000' + '1c00' + '0500' + '4d000000' + '04000000');
  const m = asMessage(wire);
  t.equal(m.type, NLMSG_ERROR);
  t.equal(validateNlError(m), undefined);
  t.same(decodeNlError(m), { errno: 17, request });
  t.same(decodeNlError(asMessage(encodeAck(request))), { errno: 0, request }, 'errno 0 is an ACK');
});

t.test('NLMSG_ERROR: the whole request echoed, then extended-ack TLVs', async (t) => {
  const request = { type: 20, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 9, pid: 0 };
  const echoed = Buffer.from([2, 24, 0, 0, 1, 0, 0, 0, 7]); // 9 bytes: padded to 12 in the echo
  const body = encodeNlError({ errno: 22, request }, echoed);
  t.equal(body.length, 4 + 16 + 12);
  t.equal(body.readUInt32LE(4), 25, 'echoed nlmsg_len is the request length');
  const tlv = new AttrWriter().str(NLMSGERR_ATTR_MSG, 'Invalid prefix').u32(NLMSGERR_ATTR_OFFS, 20).toBuffer();
  const m = asMessage(encodeNlmsg({ type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, seq: 9, pid: 0 }, Buffer.concat([body, tlv])));
  t.same(decodeNlError(m), { errno: 22, request, extMessage: 'Invalid prefix', extOffset: 20 });
  // Same TLVs after a capped echo whose header still names the original length.
  const capped = encodeNlError({ errno: 22, request }, Buffer.alloc(0), 400);
  t.equal(capped.readUInt32LE(4), 400);
  const cm = asMessage(encodeNlmsg({ type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq: 9, pid: 0 },
    Buffer.concat([capped, tlv])));
  t.same(decodeNlError(cm), { errno: 22, request, extMessage: 'Invalid prefix', extOffset: 20 });
  t.same(decodeNlError(asMessage(encodeNlmsg({ type: NLMSG_ERROR, flags: NLM_F_CAPPED, seq: 9, pid: 0 },
    Buffer.concat([capped, tlv])))), { errno: 22, request }, 'TLVs are read only with NLM_F_ACK_TLVS');
});

t.test('NLMSG_ERROR: short payload gives a reason; malformed TLVs are ignored', async (t) => {
  const short = asMessage(encodeNlmsg({ type: NLMSG_ERROR, flags: 0, seq: 1, pid: 0 }, Buffer.alloc(12)));
  t.equal(validateNlError(short), 'NLMSG_ERROR payload of 12 bytes is too short');
  t.throws(() => decodeNlError(short), new RangeError('NLMSG_ERROR payload of 12 bytes is too short'));
  const request = { type: 20, flags: 5, seq: 3, pid: 0 };
  const badTlv = Buffer.from([40, 0, 1, 0, 0x41, 0x42, 0, 0]);
  const m = asMessage(encodeNlmsg({ type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, seq: 3, pid: 0 },
    Buffer.concat([encodeNlError({ errno: 1, request }), badTlv])));
  t.same(decodeNlError(m), { errno: 1, request });
});

t.test('NLMSG_DONE', async (t) => {
  const wire = encodeDone(6, 0);
  t.equal(wire.toString('hex'), '14000000' + '0300' + '0200' + '06000000' + '00000000' + '00000000');
  t.equal(encodeDone(6, 5, 0).readUInt16LE(6), 0, 'flags as given');
});

t.test('errno names as Node gives them', async (t) => {
  t.equal(errnoCode(17), 'EEXIST');
  t.equal(errnoText(17), 'file already exists');
  t.equal(errnoCode(200), 'E200', 'a number libuv does not know');
  t.equal(errnoText(200), 'error 200');
});

t.test('request table: sequence numbers wrap; ACK, errno, DONE and single-part dumps end requests', async (t) => {
  const table = new NlRequestTable<string, string>(0xfffffffe);
  t.equal(table.nextSeq(), 0xffffffff);
  t.equal(table.nextSeq(), 0, 'wraps at 32 bits');
  const outcomes: string[] = [];
  const track = (seq: number, dump: boolean, name: string) => table.add(seq, {
    dump, info: name,
    resolve: (parts) => outcomes.push(`${name} resolved [${parts.join(',')}]`),
    reject: (err) => outcomes.push(`${name} rejected: ${err.message}`),
  });
  const request = { type: 1, flags: 0, seq: 0, pid: 0 };
  const toError = (info: string, answer: { errno: number }) => new Error(`${info} errno ${answer.errno}`);
  track(1, false, 'get');
  table.part(1, 0, 'a');
  t.equal(table.size, 1, 'a non-dump reply waits for its ACK');
  table.acked(1, { errno: 0, request }, toError);
  track(2, true, 'dump');
  table.part(2, NLM_F_MULTI, 'x');
  table.part(2, NLM_F_MULTI, 'y');
  t.ok(table.get(2), 'multipart dump still open');
  table.done(2);
  track(3, true, 'single');
  table.part(3, 0, 'only');
  track(4, false, 'bad');
  table.acked(4, { errno: 17, request }, toError);
  track(5, false, 'lost');
  table.fail(5, new Error('EIO'));
  table.done(99);
  table.part(99, 0, 'stray');
  table.acked(99, { errno: 0, request }, toError);
  track(6, false, 'open1');
  track(7, true, 'open2');
  table.failAll((info) => new Error(`closed ${info}`));
  t.equal(table.size, 0);
  t.same(outcomes, [
    'get resolved [a]', 'dump resolved [x,y]', 'single resolved [only]', 'bad rejected: bad errno 17',
    'lost rejected: EIO', 'open1 rejected: closed open1', 'open2 rejected: closed open2',
  ]);
});
