/**
 * keepalived's VMAC nftables rules: the batches we build equal, byte for byte, the ones
 * keepalived 2.2.7 sent for the same VMACs (captured in
 * packages/netlink-reflector/test/fixtures/nftables/), sequence numbers aside.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { decodeNftMessages, encodeNftMessages, type NftMessage, type NftRequest } from '@keepalived-ts/netlink-reflector';
import { NFPROTO_IPV4, NFPROTO_IPV6, VmacFirewall, vmacFirewallElements, vmacFirewallObjects } from '../src/runtime/vmac-firewall.js';

type Capture = Record<'ipv4' | 'ipv6', { setup: string; 'remove-elements': string; 'delete-table': string }>;
const golden = JSON.parse(readFileSync(new URL('../../../netlink-reflector/test/fixtures/nftables/keepalived-vmac.json', import.meta.url), 'utf8')) as Capture;

/** Our requests framed as a batch, numbered with the sequence numbers of keepalived's datagram. */
function asBatch(reqs: NftRequest[], like: string): Buffer {
  const seqs = decodeNftMessages(Buffer.from(like, 'hex')).map((m) => m.seq);
  const msgs: NftMessage[] = [
    { body: { kind: 'batch-begin' }, family: 0, flags: 1, seq: seqs[0]!, pid: 0 },
    ...reqs.map((r, i) => ({ body: r.body, family: r.family, flags: 0x5 | (r.flags ?? 0), seq: seqs[i + 1]!, pid: 0 })),
    { body: { kind: 'batch-end' }, family: 0, flags: 1, seq: seqs[reqs.length + 1]!, pid: 0 },
  ];
  return encodeNftMessages(msgs);
}

const cases = [
  { fam: 'ipv4' as const, family: NFPROTO_IPV4, vmac: 4, base: 3 },
  { fam: 'ipv6' as const, family: NFPROTO_IPV6, vmac: 5, base: 3 },
];
for (const c of cases) {
  t.test(`${c.fam}: setup, element removal and table deletion as keepalived sends them`, async (t) => {
    const g = golden[c.fam];
    const setup = [...vmacFirewallObjects(c.family), ...vmacFirewallElements(c.family, c.vmac, c.base, false, true)];
    t.equal(asBatch(setup, g.setup).toString('hex'), g.setup, 'setup batch byte-identical');
    t.equal(asBatch(vmacFirewallElements(c.family, c.vmac, c.base, true, false), g['remove-elements']).toString('hex'), g['remove-elements'],
      'element removal byte-identical');
    t.equal(asBatch([{ body: { kind: 'del-table', table: 'keepalived' }, family: c.family }], g['delete-table']).toString('hex'), g['delete-table'],
      'table deletion byte-identical');
  });
}

t.test('VmacFirewall: one table per family, elements per VMAC, table gone with the last', async (t) => {
  const sent: string[] = [];
  let exists = true;
  const sock = {
    tableExists: async () => exists,
    transaction: async (reqs: NftRequest[]) => {
      sent.push(reqs.map((r) => `${r.family}:${r.body.kind}`).join(' '));
    },
    close: () => sent.push('close'),
  };
  const logs: string[] = [];
  const fw = new VmacFirewall(() => sock as never, { info: (l) => logs.push(l) });
  await fw.add(NFPROTO_IPV4, 4, 3);
  t.match(sent[0], /^2:del-table 2:new-table 2:new-chain 2:new-set 2:new-rule 2:new-setelem$/, 'a stale table is replaced in the same batch');
  exists = false;
  await fw.add(NFPROTO_IPV4, 6, 3);
  t.equal(sent[1], '2:new-setelem', 'the second VMAC adds its element only');
  await fw.remove(NFPROTO_IPV4, 4);
  t.equal(sent[2], '2:del-setelem');
  await fw.remove(NFPROTO_IPV4, 6);
  t.same(sent.slice(3), ['2:del-setelem', '2:del-table'], 'the last VMAC takes the table with it');
  await fw.remove(NFPROTO_IPV4, 6);
  t.equal(sent.length, 5, 'removing twice sends nothing');
  fw.close();
  t.equal(sent[5], 'close');
  t.same(logs, []);
});

t.test('VmacFirewall: a refused transaction is logged and VRRP goes on', async (t) => {
  const logs: string[] = [];
  const fw = new VmacFirewall(() => ({
    tableExists: async () => false,
    transaction: async () => {
      throw Object.assign(new Error('NFT new-table: Operation not supported (EOPNOTSUPP)'), { code: 'EOPNOTSUPP' });
    },
  }) as never, { info: (l) => logs.push(l) });
  await fw.add(NFPROTO_IPV6, 5, 3);
  t.match(logs[0], /^VMAC firewall: NFT new-table: Operation not supported .* - IGMP\/MLD reports may leave with the virtual MAC$/);
});
