/**
 * keepalived's nftables table (vrrp_nftables.c), per family, holding what the
 * configuration needs:
 *
 * - VMACs: a BACKUP's VMAC still joins multicast groups, and its IGMP / MLD
 *   reports would leave with the virtual MAC, teaching the switches that the
 *   master's MAC lives on the backup's port. Chain `out` duplicates such
 *   reports out of the base interface (map vmac_map: VMAC -> base ifindex) and
 *   drops the original; for IPv6 it also drops router solicitations from a VMAC.
 * - No accept mode (vrrp_strict, no_accept): RFC 3768/5798 forbid a non-owner
 *   master to accept packets for its VIPs, so chains `in` / `out` drop traffic
 *   to and from set `vips` while the instance is master (IPv6: neighbour
 *   discovery stays allowed; link-local VIPs match with their interface).
 *
 * Objects, their order and attributes are keepalived 2.2.7's, byte for byte
 * (packages/netlink-reflector/test/fixtures/nftables/). Like keepalived, the
 * table lives until the daemon stops.
 */
import { nft, type NftExpr, type NftRequest, type NftSocket } from '@keepalived-ts/netlink-reflector';

const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const NLM_F_APPEND = 0x800;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_IPV6 = 10;
const IPPROTO_IGMP = 2;
const IPPROTO_ICMPV6 = 58;
const ICMPV6_MLD2_REPORT = 143;
const ND_ROUTER_SOLICIT = 133;
const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;

const u32host = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const ifnameKey = (name: string): Buffer => {
  const b = Buffer.alloc(16);
  b.write(name, 'latin1');
  return b;
};
const R1 = nft.NFT_REG_1;
const R2 = nft.NFT_REG_2;
const drop: NftExpr = { name: 'immediate', dreg: nft.NFT_REG_VERDICT, verdict: nft.NF_DROP };
const accept: NftExpr = { name: 'immediate', dreg: nft.NFT_REG_VERDICT, verdict: nft.NF_ACCEPT };
const net = (offset: number, len: number): NftExpr => ({ name: 'payload', dreg: R1, base: nft.NFT_PAYLOAD_NETWORK_HEADER, offset, len });
const eq = (sreg: number, data: Buffer): NftExpr => ({ name: 'cmp', sreg, op: nft.NFT_CMP_EQ, data });

/** `meta oifkind "macvlan"`, then `oif` into register 2. */
const oifIsMacvlan: NftExpr[] = [
  { name: 'meta', key: nft.NFT_META_OIFKIND, dreg: R2 }, eq(R2, ifnameKey('macvlan')), { name: 'meta', key: nft.NFT_META_OIF, dreg: R2 },
];
/** `... dup to <daddr> device oif map @vmac_map drop`, with the destination already in register 1. */
const dupToBaseAndDrop: NftExpr[] = [
  { name: 'lookup', sreg: R2, dreg: R2, set: 'vmac_map', setId: 1 }, { name: 'dup', sregAddr: R1, sregDev: R2 }, drop,
];
/** IPv6: `icmpv6 type TYPE` (vmac rules read the l4 protocol from meta, the strict ones from the header). */
const icmpv6TypeByMeta = (type: number): NftExpr[] => [
  { name: 'meta', key: nft.NFT_META_L4PROTO, dreg: R1 }, eq(R1, Buffer.from([IPPROTO_ICMPV6])),
  { name: 'payload', dreg: R1, base: nft.NFT_PAYLOAD_TRANSPORT_HEADER, offset: 0, len: 1 }, eq(R1, Buffer.from([type])),
];

type Component = 'vmac' | 'vips' | 'vips-ll';

function request(family: number, body: NftRequest['body'], flags = NLM_F_CREATE): NftRequest {
  return { body, family, flags };
}
/** Hook priority of chains `in` / `out`: nftables_priority, keepalived's default -1 (just ahead of filter). */
const DEFAULT_PRIORITY = -1;
const baseChain = (family: number, table: string, chain: 'in' | 'out', priority: number): NftRequest => request(family, {
  kind: 'new-chain', table, chain, hook: { num: chain === 'in' ? nft.NF_INET_LOCAL_IN : nft.NF_INET_LOCAL_OUT, priority },
  policy: nft.NF_ACCEPT, type: 'filter',
});
const rule = (family: number, table: string, chain: string, expressions: NftExpr[]): NftRequest =>
  request(family, { kind: 'new-rule', table, chain, expressions }, NLM_F_CREATE | NLM_F_APPEND);

/** Chain, set(s) and rules of the VMAC part, without elements. */
export function vmacObjects(family: number, table = 'keepalived', priority = DEFAULT_PRIORITY): NftRequest[] {
  const out: NftRequest[] = [
    baseChain(family, table, 'out', priority),
    request(family, { kind: 'new-set', table, set: 'vmac_map', flags: nft.NFT_SET_MAP, keyType: nft.NFT_TYPE_IFINDEX, keyLen: 4,
      dataType: nft.NFT_TYPE_IFINDEX, dataLen: 4, id: 1, userdata: Buffer.from('000401000000010401000000', 'hex') }),
  ];
  if (family === NFPROTO_IPV4) {
    out.push(rule(family, table, 'out', [net(9, 1), eq(R1, Buffer.from([IPPROTO_IGMP])), net(16, 4), ...oifIsMacvlan, ...dupToBaseAndDrop]));
    return out;
  }
  out.push(request(family, { kind: 'new-set', table, set: 'vmac_set', keyType: nft.NFT_TYPE_IFINDEX, keyLen: 4, id: 2, userdata: Buffer.from('000401000000', 'hex') }));
  out.push(rule(family, table, 'out', [...icmpv6TypeByMeta(ICMPV6_MLD2_REPORT), net(24, 16), ...oifIsMacvlan, ...dupToBaseAndDrop]));
  // keepalived names set id 1 here (vmac_set is 2); harmless, since the kernel finds the set by name first
  out.push(rule(family, table, 'out', [...icmpv6TypeByMeta(ND_ROUTER_SOLICIT), ...oifIsMacvlan, { name: 'lookup', sreg: R2, set: 'vmac_set', setId: 1 }, drop]));
  return out;
}

/** The elements one VMAC adds (or, with remove, deletes): vmac -> base in the map, and the VMAC in the IPv6 set. */
export function vmacElements(family: number, vmacIfindex: number, baseIfindex: number, remove: boolean, withSetIds: boolean, table = 'keepalived'): NftRequest[] {
  const kind = remove ? 'del-setelem' as const : 'new-setelem' as const;
  const flags = remove ? 0 : NLM_F_CREATE;
  const out = [request(family, { kind, table, set: 'vmac_map', ...(withSetIds ? { setId: 1 } : {}),
    elements: [{ key: u32host(vmacIfindex), data: u32host(baseIfindex) }] }, flags)];
  if (family === NFPROTO_IPV6) {
    out.push(request(family, { kind, table, set: 'vmac_set', ...(withSetIds ? { setId: 2 } : {}), elements: [{ key: u32host(vmacIfindex) }] }, flags));
  }
  return out;
}

/** Chains, sets and rules dropping traffic to / from the VIPs of no-accept instances. */
export function vipObjects(family: number, table = 'keepalived', priority = DEFAULT_PRIORITY): NftRequest[] {
  const v6 = family === NFPROTO_IPV6;
  const [daddr, saddr] = v6 ? [net(24, 16), net(8, 16)] : [net(16, 4), net(12, 4)];
  const vips: NftExpr = { name: 'lookup', sreg: R1, set: 'vips' };
  const out: NftRequest[] = [baseChain(family, table, 'out', priority), baseChain(family, table, 'in', priority)];
  if (!v6) {
    out.push(request(family, { kind: 'new-set', table, set: 'vips', keyType: nft.NFT_TYPE_IPADDR, keyLen: 4, id: 1, userdata: Buffer.from('000402000000', 'hex') }));
    out.push(rule(family, table, 'in', [daddr, vips, drop]), rule(family, table, 'out', [saddr, vips, drop]));
    return out;
  }
  out.push(
    request(family, { kind: 'new-chain', table, chain: 'in_link_local' }),
    request(family, { kind: 'new-chain', table, chain: 'out_link_local' }),
    request(family, { kind: 'new-set', table, set: 'vips', keyType: nft.NFT_TYPE_IP6ADDR, keyLen: 16, id: 1, userdata: Buffer.from('000402000000', 'hex') }),
    request(family, { kind: 'new-set', table, set: 'neighbor-discovery', flags: nft.NFT_SET_CONSTANT, keyType: nft.NFT_TYPE_ICMPV6_TYPE, keyLen: 1, id: 2,
      userdata: Buffer.from('000401000000', 'hex') }),
    request(family, { kind: 'new-setelem', table, set: 'neighbor-discovery', setId: 2,
      elements: [{ key: Buffer.from([ND_NEIGHBOR_SOLICIT]) }, { key: Buffer.from([ND_NEIGHBOR_ADVERT]) }] }),
  );
  const nd: NftExpr[] = [net(6, 1), eq(R1, Buffer.from([IPPROTO_ICMPV6])),
    { name: 'payload', dreg: R1, base: nft.NFT_PAYLOAD_TRANSPORT_HEADER, offset: 0, len: 1 }, { name: 'lookup', sreg: R1, set: 'neighbor-discovery' }, accept];
  const linkLocal = (addr: NftExpr, chain: string): NftExpr[] => [addr,
    { name: 'bitwise', sreg: R1, dreg: R1, len: 16, mask: Buffer.from('ffc00000000000000000000000000000', 'hex'), xor: Buffer.alloc(16) },
    eq(R1, Buffer.from('fe800000000000000000000000000000', 'hex')),
    { name: 'immediate', dreg: nft.NFT_REG_VERDICT, verdict: nft.NFT_GOTO, chain }];
  out.push(
    rule(family, table, 'in', nd), rule(family, table, 'in', linkLocal(daddr, 'in_link_local')),
    rule(family, table, 'out', nd), rule(family, table, 'out', linkLocal(saddr, 'out_link_local')),
    rule(family, table, 'in', [daddr, vips, drop]), rule(family, table, 'out', [saddr, vips, drop]),
  );
  return out;
}

/** IPv6 link-local VIPs: set vips_link_local (address . ifindex) and its two rules. */
export function linkLocalVipObjects(table = 'keepalived'): NftRequest[] {
  const f = NFPROTO_IPV6;
  const set: NftExpr = { name: 'lookup', sreg: R1, set: 'vips_link_local' };
  return [
    request(f, { kind: 'new-set', table, set: 'vips_link_local', keyType: (nft.NFT_TYPE_IP6ADDR << nft.NFT_TYPE_BITS) | nft.NFT_TYPE_IFINDEX,
      keyLen: 20, id: 3, userdata: Buffer.from('000401000000', 'hex') }),
    rule(f, table, 'in_link_local', [net(24, 16), { name: 'meta', key: nft.NFT_META_IIF, dreg: R2 }, set, drop]),
    rule(f, table, 'out_link_local', [net(8, 16), { name: 'meta', key: nft.NFT_META_OIF, dreg: R2 }, set, drop]),
  ];
}

/** A VIP for the drop sets: its address bytes, and for an IPv6 link-local one the interface it is on. */
export interface FirewallVip {
  address: Uint8Array;
  ifindex?: number;
}

const isLinkLocal = (v: FirewallVip): boolean => v.address.length === 16 && v.address[0] === 0xfe && (v.address[1]! & 0xc0) === 0x80;
const vipKey = (v: FirewallVip): Buffer =>
  (isLinkLocal(v) ? Buffer.concat([Buffer.from(v.address), u32host(v.ifindex ?? 0)]) : Buffer.from(v.address));

/** Element messages for VIPs: `vips`, and `vips_link_local` for IPv6 link-local ones. */
export function vipElements(family: number, list: readonly FirewallVip[], remove: boolean, table = 'keepalived'): NftRequest[] {
  const kind = remove ? 'del-setelem' as const : 'new-setelem' as const;
  const flags = remove ? 0 : NLM_F_CREATE | NLM_F_EXCL;
  const out: NftRequest[] = [];
  const plain = list.filter((v) => !isLinkLocal(v));
  const ll = list.filter(isLinkLocal);
  if (plain.length) out.push(request(family, { kind, table, set: 'vips', elements: plain.map((v) => ({ key: vipKey(v) })) }, flags));
  if (ll.length) out.push(request(family, { kind, table, set: 'vips_link_local', elements: ll.map((v) => ({ key: vipKey(v) })) }, flags));
  return out;
}

export interface FirewallLog {
  info(text: string): void;
}

interface FamilyState {
  table: boolean;
  parts: Set<Component>;
  vmacs: Map<number, number>;
  /** Element key (hex) -> how many instances hold it. */
  vips: Map<string, number>;
}

export class KeepalivedFirewall {
  private socket: NftSocket | undefined;
  private readonly families = new Map<number, FamilyState>();

  constructor(
    private readonly open: () => NftSocket,
    private readonly log: FirewallLog,
    private readonly table = 'keepalived',
    private readonly priority = DEFAULT_PRIORITY,
  ) {}

  /**
   * Replaces a table left by a daemon that died, so that later transactions
   * need no round trip first: the drop rules go in synchronously, before the VIPs.
   */
  async prepare(families: readonly number[]): Promise<void> {
    try {
      const sock = this.sock();
      for (const family of families) {
        const st = this.state(family);
        if (st.table) continue;
        if (await sock.tableExists(family, this.table)) {
          await sock.transaction([request(family, { kind: 'del-table', table: this.table }, 0)], `nftables ${this.table} table (left over)`);
        }
        st.table = false;
      }
    } catch (e) {
      this.log.info(`nftables: ${(e as Error).message}`);
    }
  }

  async addVmac(family: number, vmacIfindex: number, baseIfindex: number): Promise<void> {
    const st = this.state(family);
    if (st.vmacs.has(vmacIfindex)) return;
    const fresh = !st.parts.has('vmac');
    const reqs = [...this.setup(family, st, 'vmac'), ...vmacElements(family, vmacIfindex, baseIfindex, false, fresh, this.table)];
    st.vmacs.set(vmacIfindex, baseIfindex);
    await this.apply(reqs, 'VMAC', ' - IGMP/MLD reports may leave with the virtual MAC');
  }

  async removeVmac(family: number, vmacIfindex: number): Promise<void> {
    const st = this.families.get(family);
    const base = st?.vmacs.get(vmacIfindex);
    if (st === undefined || base === undefined) return;
    st.vmacs.delete(vmacIfindex);
    await this.apply(vmacElements(family, vmacIfindex, base, true, false, this.table), 'VMAC');
  }

  /** The drop rules for these VIPs; the request leaves before this returns (callers add the VIPs next). */
  addVips(family: number, list: readonly FirewallVip[]): Promise<void> {
    const st = this.state(family);
    const fresh = list.filter((v) => {
      const k = vipKey(v).toString('hex');
      const n = st.vips.get(k) ?? 0;
      st.vips.set(k, n + 1);
      return n === 0;
    });
    if (fresh.length === 0) return Promise.resolve();
    const reqs = [...this.setup(family, st, 'vips'), ...(fresh.some(isLinkLocal) ? this.setup(family, st, 'vips-ll') : []),
      ...vipElements(family, fresh, false, this.table)];
    return this.apply(reqs, 'VIP drop rule');
  }

  removeVips(family: number, list: readonly FirewallVip[]): Promise<void> {
    const st = this.families.get(family);
    if (st === undefined) return Promise.resolve();
    const gone = list.filter((v) => {
      const k = vipKey(v).toString('hex');
      const n = st.vips.get(k) ?? 0;
      if (n <= 1) st.vips.delete(k);
      else st.vips.set(k, n - 1);
      return n === 1;
    });
    if (gone.length === 0) return Promise.resolve();
    return this.apply(vipElements(family, gone, true, this.table), 'VIP drop rule');
  }

  /** Deletes the tables we made (at stop) and closes the socket. */
  async shutdown(): Promise<void> {
    for (const [family, st] of this.families) {
      if (st.table) await this.apply([request(family, { kind: 'del-table', table: this.table }, 0)], 'table');
    }
    this.families.clear();
    this.close();
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }

  private sock(): NftSocket {
    return (this.socket ??= this.open());
  }

  private state(family: number): FamilyState {
    let st = this.families.get(family);
    if (st === undefined) {
      st = { table: false, parts: new Set(), vmacs: new Map(), vips: new Map() };
      this.families.set(family, st);
    }
    return st;
  }

  /** The objects a part needs that the table does not have yet (marked as present). */
  private setup(family: number, st: FamilyState, part: Component): NftRequest[] {
    const out: NftRequest[] = [];
    if (!st.table) {
      out.push(request(family, { kind: 'new-table', table: this.table }));
      st.table = true;
    }
    if (st.parts.has(part)) return out;
    st.parts.add(part);
    if (part === 'vmac') out.push(...vmacObjects(family, this.table, this.priority));
    else if (part === 'vips') out.push(...vipObjects(family, this.table, this.priority));
    else out.push(...linkLocalVipObjects(this.table));
    return out;
  }

  private async apply(reqs: NftRequest[], what: string, consequence = ''): Promise<void> {
    try {
      await this.sock().transaction(reqs, `nftables ${what}`);
    } catch (e) {
      this.log.info(`nftables: ${(e as Error).message}${consequence}`);
    }
  }
}
