/**
 * The nf_tables codec against keepalived 2.2.7's own batches (fixtures/nftables/):
 * every message decodes and re-encodes byte for byte, also from a non-zero offset.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { decodeNftMessages, encodeNftMessage, encodeNftMessages, nftMessageType, type NftMessage } from '../src/nftables/codec.js';
import * as C from '../src/nftables/constants.js';

const RUNS = ['ipv4', 'ipv6', 'strict-ipv4', 'strict-ipv6', 'strict-ipv6-link-local'] as const;
type Capture = Record<(typeof RUNS)[number], { 'get-tables': string[]; setup: string; 'remove-elements': string; 'delete-table': string }>;
const golden = JSON.parse(readFileSync(new URL('../../test/fixtures/nftables/keepalived-firewall.json', import.meta.url), 'utf8')) as Capture;

/**
 * libmnl leaves whatever its buffer held in the alignment padding after an attribute (0xbd
 * after "keepalived\0" in the GETTABLE requests); the kernel ignores it. Zero it to compare.
 */
function zeroTopLevelPadding(d: Buffer): Buffer {
  const out = Buffer.from(d);
  for (let m = 0; m + 16 <= out.length;) {
    const len = out.readUInt32LE(m);
    for (let a = m + 20; a + 4 <= m + len;) {
      const alen = out.readUInt16LE(a);
      if (alen < 4) break;
      out.fill(0, a + alen, Math.min(m + len, a + ((alen + 3) & ~3)));
      a += (alen + 3) & ~3;
    }
    m += (len + 3) & ~3;
  }
  return out;
}

for (const fam of RUNS) {
  const g = golden[fam];
  const datagrams = [...g['get-tables'], g.setup, g['remove-elements'], g['delete-table']].map((h) => Buffer.from(h, 'hex'));
  t.test(`${fam}: every datagram keepalived sent round-trips byte for byte`, async (t) => {
    for (const d of datagrams) {
      const msgs = decodeNftMessages(d);
      t.equal(encodeNftMessages(msgs).toString('hex'), zeroTopLevelPadding(d).toString('hex'), `${msgs.map((m) => m.body.kind).join(', ')}`);
      const shifted = Buffer.concat([Buffer.alloc(5, 0xaa), d]);
      t.same(decodeNftMessages(shifted, 5), msgs, 'the same from offset 5');
    }
  });
}

t.test('ipv4 setup batch: what keepalived builds, decoded', async (t) => {
  const msgs = decodeNftMessages(Buffer.from(golden.ipv4.setup, 'hex'));
  t.same(msgs.map((m) => m.body.kind), ['batch-begin', 'new-table', 'new-chain', 'new-set', 'new-rule', 'new-setelem', 'batch-end']);
  const chain = msgs[2]!.body;
  t.same(chain, { kind: 'new-chain', table: 'keepalived', chain: 'out', hook: { num: C.NF_INET_LOCAL_OUT, priority: -1 }, policy: C.NF_ACCEPT, type: 'filter' });
  const rule = msgs[4]!.body;
  if (rule.kind !== 'new-rule') return t.fail('not a rule');
  t.same(rule.expressions.map((e) => e.name), ['payload', 'cmp', 'payload', 'meta', 'cmp', 'meta', 'lookup', 'dup', 'immediate']);
  t.same(rule.expressions[1], { name: 'cmp', sreg: 1, op: C.NFT_CMP_EQ, data: Buffer.from([2]) }, 'ip protocol igmp');
  t.same(rule.expressions[8], { name: 'immediate', dreg: C.NFT_REG_VERDICT, verdict: C.NF_DROP });
  const elems = msgs[5]!.body;
  t.same(elems, { kind: 'new-setelem', table: 'keepalived', set: 'vmac_map', setId: 1,
    elements: [{ key: Buffer.from([4, 0, 0, 0]), data: Buffer.from([3, 0, 0, 0]) }] }, 'vrrp.51 (4) -> eth0 (3), host byte order');
  t.equal(msgs[1]!.family, 2);
  t.equal(msgs[4]!.flags, 0x0c05, 'rules: REQUEST | ACK | CREATE | APPEND');
});

t.test('strict IPv6: neighbour discovery accepted, link-local VIPs sent to their own chains', async (t) => {
  const msgs = decodeNftMessages(Buffer.from(golden['strict-ipv6'].setup, 'hex'));
  const ll = msgs.find((m) => m.body.kind === 'new-rule' && m.body.expressions.some((e) => e.name === 'bitwise'));
  if (ll?.body.kind !== 'new-rule') return t.fail('no link-local rule');
  t.same(ll.body.expressions[1], { name: 'bitwise', sreg: 1, dreg: 1, len: 16,
    mask: Buffer.from('ffc00000000000000000000000000000', 'hex'), xor: Buffer.alloc(16) }, 'fe80::/10');
  t.same(ll.body.expressions[3], { name: 'immediate', dreg: 0, verdict: C.NFT_GOTO, chain: 'in_link_local' });
  const nd = msgs.find((m) => m.body.kind === 'new-set' && m.body.set === 'neighbor-discovery');
  t.match(nd?.body, { flags: C.NFT_SET_CONSTANT, keyType: C.NFT_TYPE_ICMPV6_TYPE, keyLen: 1 });
});

t.test('batch markers carry the subsystem in res_id, objects their family', async (t) => {
  const m: NftMessage = { body: { kind: 'batch-begin' }, family: 10, flags: 1, seq: 7, pid: 0 };
  const b = encodeNftMessage(m);
  t.equal(b.readUInt16LE(4), C.NFNL_MSG_BATCH_BEGIN);
  t.equal(b.readUInt8(16), 0, 'family 0 on a marker');
  t.equal(b.readUInt16BE(18), C.NFNL_SUBSYS_NFTABLES);
  t.equal(nftMessageType({ kind: 'del-table', table: 'x' }), 0x0a02);
});

t.test('malformed input: a clear error', async (t) => {
  const bad = Buffer.from(golden.ipv4['delete-table'], 'hex');
  t.throws(() => decodeNftMessages(bad.subarray(0, 30)), RangeError);
  const unknown = Buffer.from(bad);
  unknown.writeUInt16LE(0x0a17, 24); // the del-table message turned into a type we do not know
  t.throws(() => decodeNftMessages(unknown), /not one this codec knows/);
});
