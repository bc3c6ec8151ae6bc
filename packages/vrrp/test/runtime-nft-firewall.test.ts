/**
 * keepalived's nftables table: the batches we build equal, byte for byte, the ones keepalived
 * 2.2.7 sent for the same VMACs and the same vrrp_strict VIPs (captured in
 * packages/netlink-reflector/test/fixtures/nftables/), sequence numbers aside; and the table's
 * life across VMACs, VIPs and stop.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { ipv6ToBytes } from '@keepalived-ts/native';
import { decodeNftMessages, encodeNftMessages, type NftMessage, type NftRequest } from '@keepalived-ts/netlink-reflector';
import {
  KeepalivedFirewall, NFPROTO_IPV4, NFPROTO_IPV6, vipElements, vipObjects, linkLocalVipObjects, vmacElements, vmacObjects, type FirewallVip,
} from '../src/runtime/nft-firewall.js';

type Run = { setup: string; 'remove-elements': string; 'delete-table': string };
const golden = JSON.parse(readFileSync(new URL('../../../netlink-reflector/test/fixtures/nftables/keepalived-firewall.json', import.meta.url), 'utf8')) as Record<string, Run>;

/** Our requests framed as a batch, numbered with the sequence numbers of keepalived's datagram. */
function asBatch(reqs: NftRequest[], like: string): string {
  const seqs = decodeNftMessages(Buffer.from(like, 'hex')).map((m) => m.seq);
  const msgs: NftMessage[] = [
    { body: { kind: 'batch-begin' }, family: 0, flags: 1, seq: seqs[0]!, pid: 0 },
    ...reqs.map((r, i) => ({ body: r.body, family: r.family, flags: 0x5 | (r.flags ?? 0), seq: seqs[i + 1]!, pid: 0 })),
    { body: { kind: 'batch-end' }, family: 0, flags: 1, seq: seqs[reqs.length + 1]!, pid: 0 },
  ];
  return encodeNftMessages(msgs).toString('hex');
}
const table = (family: number): NftRequest => ({ body: { kind: 'new-table', table: 'keepalived' }, family, flags: 0x400 });
const delTable = (family: number): NftRequest[] => [{ body: { kind: 'del-table', table: 'keepalived' }, family }];
const v6 = (text: string): Uint8Array => ipv6ToBytes(text);

const vmacRuns = [
  { run: 'ipv4', family: NFPROTO_IPV4, vmac: 4, base: 3 },
  { run: 'ipv6', family: NFPROTO_IPV6, vmac: 5, base: 3 },
];
for (const c of vmacRuns) {
  t.test(`VMAC ${c.run}: setup, element removal and table deletion as keepalived sends them`, async (t) => {
    const g = golden[c.run]!;
    t.equal(asBatch([table(c.family), ...vmacObjects(c.family), ...vmacElements(c.family, c.vmac, c.base, false, true)], g.setup), g.setup, 'setup batch');
    t.equal(asBatch(vmacElements(c.family, c.vmac, c.base, true, false), g['remove-elements']), g['remove-elements'], 'element removal');
    t.equal(asBatch(delTable(c.family), g['delete-table']), g['delete-table'], 'table deletion');
  });
}

const strictRuns: { run: string; family: number; vips: FirewallVip[]; linkLocal: boolean }[] = [
  { run: 'strict-ipv4', family: NFPROTO_IPV4, vips: [{ address: new Uint8Array([192, 0, 2, 100]) }], linkLocal: false },
  { run: 'strict-ipv6', family: NFPROTO_IPV6, vips: [{ address: v6('2001:db8::100') }], linkLocal: false },
  { run: 'strict-ipv6-link-local', family: NFPROTO_IPV6, vips: [{ address: v6('fe80::52'), ifindex: 3 }, { address: v6('2001:db8::100') }], linkLocal: true },
];
for (const c of strictRuns) {
  t.test(`vrrp_strict ${c.run}: drop rules and VIP elements as keepalived sends them`, async (t) => {
    const g = golden[c.run]!;
    const setup = [table(c.family), ...vipObjects(c.family), ...(c.linkLocal ? linkLocalVipObjects() : []), ...vipElements(c.family, c.vips, false)];
    t.equal(asBatch(setup, g.setup), g.setup, 'setup batch');
    t.equal(asBatch(vipElements(c.family, c.vips, true), g['remove-elements']), g['remove-elements'], 'element removal (leaving master)');
    t.equal(asBatch(delTable(c.family), g['delete-table']), g['delete-table'], 'table deletion (stop)');
  });
}

function fakeFirewall() {
  const sent: string[] = [];
  let exists = false;
  const sock = {
    tableExists: async () => exists,
    transaction: async (reqs: NftRequest[]) => {
      sent.push(reqs.map((r) => `${r.family}:${r.body.kind}${'set' in r.body ? `:${r.body.set}` : ''}`).join(' '));
    },
    close: () => sent.push('close'),
  };
  const logs: string[] = [];
  const fw = new KeepalivedFirewall(() => sock as never, { info: (l: string) => logs.push(l) });
  return { sent, logs, fw, setExists: (v: boolean) => { exists = v; } };
}

t.test('KeepalivedFirewall: one table per family, parts added as needed, gone at stop', async (t) => {
  const f = fakeFirewall();
  f.setExists(true);
  await f.fw.prepare([NFPROTO_IPV4]);
  t.same(f.sent, ['2:del-table'], 'a table left by a daemon that died is removed first');
  await f.fw.addVmac(NFPROTO_IPV4, 4, 3);
  t.equal(f.sent[1], '2:new-table 2:new-chain 2:new-set:vmac_map 2:new-rule 2:new-setelem:vmac_map');
  await f.fw.addVmac(NFPROTO_IPV4, 6, 3);
  t.equal(f.sent[2], '2:new-setelem:vmac_map', 'the second VMAC adds its element only');
  const vip = { address: new Uint8Array([192, 0, 2, 100]) };
  await f.fw.addVips(NFPROTO_IPV4, [vip]);
  t.equal(f.sent[3], '2:new-chain 2:new-chain 2:new-set:vips 2:new-rule 2:new-rule 2:new-setelem:vips', 'the VIP part joins the existing table');
  await f.fw.addVips(NFPROTO_IPV4, [vip]);
  t.equal(f.sent.length, 4, 'a VIP two instances share is added once');
  await f.fw.removeVips(NFPROTO_IPV4, [vip]);
  t.equal(f.sent.length, 4, '... and stays while one still holds it');
  await f.fw.removeVips(NFPROTO_IPV4, [vip]);
  t.equal(f.sent[4], '2:del-setelem:vips');
  await f.fw.removeVmac(NFPROTO_IPV4, 4);
  t.equal(f.sent[5], '2:del-setelem:vmac_map');
  await f.fw.shutdown();
  t.same(f.sent.slice(6), ['2:del-table', 'close'], 'the table lives until stop, as keepalived\'s');
  t.same(f.logs, []);
});

t.test('KeepalivedFirewall: the VIP rules leave synchronously (before the VIPs are added)', async (t) => {
  const f = fakeFirewall();
  void f.fw.addVips(NFPROTO_IPV6, [{ address: v6('fe80::52'), ifindex: 2 }]);
  t.match(f.sent[0], /^10:new-table .*10:new-set:vips .*10:new-set:vips_link_local .*10:new-setelem:vips_link_local$/, 'sent before the first await');
});

t.test('KeepalivedFirewall: a refused transaction is logged and VRRP goes on', async (t) => {
  const logs: string[] = [];
  const fw = new KeepalivedFirewall(() => ({
    tableExists: async () => false,
    transaction: async () => {
      throw Object.assign(new Error('nftables VMAC: Operation not supported (EOPNOTSUPP)'), { code: 'EOPNOTSUPP' });
    },
  }) as never, { info: (l: string) => logs.push(l) });
  await fw.addVmac(NFPROTO_IPV6, 5, 3);
  t.match(logs[0], /^nftables: nftables VMAC: Operation not supported .* - IGMP\/MLD reports may leave with the virtual MAC$/);
});
