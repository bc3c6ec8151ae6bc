/**
 * keepalived's nftables rules for VMACs (vrrp_nftables.c): a BACKUP's VMAC
 * still joins multicast groups, and its IGMP / MLD reports would leave with the
 * virtual MAC, teaching the switches that the master's MAC lives on the backup's
 * port. Table `keepalived` hooks output and duplicates such reports out of the
 * base interface (map vmac_map: VMAC ifindex -> base ifindex), dropping the
 * original; for IPv6 it also drops router solicitations from a VMAC. The
 * objects, their order and attributes are keepalived 2.2.7's, byte for byte
 * (packages/netlink-reflector/test/fixtures/nftables/).
 */
import { nft, type NftExpr, type NftRequest, type NftSocket } from '@keepalived-ts/netlink-reflector';

const NLM_F_CREATE = 0x400;
const NLM_F_APPEND = 0x800;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_IPV6 = 10;
const TABLE = 'keepalived';
const CHAIN = 'out';
const IPPROTO_IGMP = 2;
const IPPROTO_ICMPV6 = 58;
const ICMPV6_MLD2_REPORT = 143;
const ND_ROUTER_SOLICIT = 133;

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

/** `meta oifkind "macvlan"`, then `oif` into register 2. */
const oifIsMacvlan: NftExpr[] = [
  { name: 'meta', key: nft.NFT_META_OIFKIND, dreg: nft.NFT_REG_2 },
  { name: 'cmp', sreg: nft.NFT_REG_2, op: nft.NFT_CMP_EQ, data: ifnameKey('macvlan') },
  { name: 'meta', key: nft.NFT_META_OIF, dreg: nft.NFT_REG_2 },
];
/** `... dup to <daddr> device oif map @vmac_map drop`, with the destination already in register 1. */
const dupToBaseAndDrop: NftExpr[] = [
  { name: 'lookup', sreg: nft.NFT_REG_2, dreg: nft.NFT_REG_2, set: 'vmac_map', setId: 1 },
  { name: 'dup', sregAddr: nft.NFT_REG_1, sregDev: nft.NFT_REG_2 },
  { name: 'immediate', dreg: nft.NFT_REG_VERDICT, verdict: nft.NF_DROP },
];
const icmpv6Type = (type: number): NftExpr[] => [
  { name: 'meta', key: nft.NFT_META_L4PROTO, dreg: nft.NFT_REG_1 },
  { name: 'cmp', sreg: nft.NFT_REG_1, op: nft.NFT_CMP_EQ, data: Buffer.from([IPPROTO_ICMPV6]) },
  { name: 'payload', dreg: nft.NFT_REG_1, base: nft.NFT_PAYLOAD_TRANSPORT_HEADER, offset: 0, len: 1 },
  { name: 'cmp', sreg: nft.NFT_REG_1, op: nft.NFT_CMP_EQ, data: Buffer.from([type]) },
];

/** Table, chain, set(s) and rules for one family, without elements (keepalived's setup batch order). */
export function vmacFirewallObjects(family: number): NftRequest[] {
  const create = (body: NftRequest['body'], extra = 0): NftRequest => ({ body, family, flags: NLM_F_CREATE | extra });
  const v6 = family === NFPROTO_IPV6;
  const out: NftRequest[] = [
    create({ kind: 'new-table', table: TABLE }),
    create({ kind: 'new-chain', table: TABLE, chain: CHAIN, hook: { num: nft.NF_INET_LOCAL_OUT, priority: -1 }, policy: nft.NF_ACCEPT, type: 'filter' }),
    create({ kind: 'new-set', table: TABLE, set: 'vmac_map', flags: nft.NFT_SET_MAP, keyType: nft.NFT_TYPE_IFINDEX, keyLen: 4,
      dataType: nft.NFT_TYPE_IFINDEX, dataLen: 4, id: 1, userdata: Buffer.from('000401000000010401000000', 'hex') }),
  ];
  if (v6) {
    out.push(create({ kind: 'new-set', table: TABLE, set: 'vmac_set', keyType: nft.NFT_TYPE_IFINDEX, keyLen: 4, id: 2,
      userdata: Buffer.from('000401000000', 'hex') }));
  }
  const rule = (expressions: NftExpr[]): NftRequest => create({ kind: 'new-rule', table: TABLE, chain: CHAIN, expressions }, NLM_F_APPEND);
  if (!v6) {
    out.push(rule([
      { name: 'payload', dreg: nft.NFT_REG_1, base: nft.NFT_PAYLOAD_NETWORK_HEADER, offset: 9, len: 1 },
      { name: 'cmp', sreg: nft.NFT_REG_1, op: nft.NFT_CMP_EQ, data: Buffer.from([IPPROTO_IGMP]) },
      { name: 'payload', dreg: nft.NFT_REG_1, base: nft.NFT_PAYLOAD_NETWORK_HEADER, offset: 16, len: 4 },
      ...oifIsMacvlan, ...dupToBaseAndDrop,
    ]));
  } else {
    out.push(rule([
      ...icmpv6Type(ICMPV6_MLD2_REPORT),
      { name: 'payload', dreg: nft.NFT_REG_1, base: nft.NFT_PAYLOAD_NETWORK_HEADER, offset: 24, len: 16 },
      ...oifIsMacvlan, ...dupToBaseAndDrop,
    ]));
    out.push(rule([
      ...icmpv6Type(ND_ROUTER_SOLICIT), ...oifIsMacvlan,
      // keepalived names set id 1 here (vmac_set is 2); harmless, since the kernel finds the set by name first
      { name: 'lookup', sreg: nft.NFT_REG_2, set: 'vmac_set', setId: 1 },
      { name: 'immediate', dreg: nft.NFT_REG_VERDICT, verdict: nft.NF_DROP },
    ]));
  }
  return out;
}

/** The elements one VMAC adds (or, with remove, deletes): vmac -> base in the map, and the VMAC in the IPv6 set. */
export function vmacFirewallElements(family: number, vmacIfindex: number, baseIfindex: number, remove: boolean, withSetIds: boolean): NftRequest[] {
  const kind = remove ? 'del-setelem' as const : 'new-setelem' as const;
  const flags = remove ? 0 : NLM_F_CREATE;
  const out: NftRequest[] = [{
    body: { kind, table: TABLE, set: 'vmac_map', ...(withSetIds ? { setId: 1 } : {}), elements: [{ key: u32host(vmacIfindex), data: u32host(baseIfindex) }] },
    family, flags,
  }];
  if (family === NFPROTO_IPV6) {
    out.push({ body: { kind, table: TABLE, set: 'vmac_set', ...(withSetIds ? { setId: 2 } : {}), elements: [{ key: u32host(vmacIfindex) }] }, family, flags });
  }
  return out;
}

export interface VmacFirewallLog {
  info(text: string): void;
}

/** Sets the tables up on the first VMAC of a family and takes them down after the last. */
export class VmacFirewall {
  private socket: NftSocket | undefined;
  /** VMAC ifindex -> base ifindex, per family with its table up. */
  private readonly members = new Map<number, Map<number, number>>();

  constructor(private readonly open: () => NftSocket, private readonly log: VmacFirewallLog) {}

  async add(family: number, vmacIfindex: number, baseIfindex: number): Promise<void> {
    try {
      const sock = (this.socket ??= this.open());
      let members = this.members.get(family);
      if (members === undefined) {
        // a table left by a daemon that died is replaced in the same transaction
        const stale = await sock.tableExists(family, TABLE);
        await sock.transaction([
          ...(stale ? [{ body: { kind: 'del-table' as const, table: TABLE }, family }] : []),
          ...vmacFirewallObjects(family),
          ...vmacFirewallElements(family, vmacIfindex, baseIfindex, false, true),
        ], `nftables ${family === NFPROTO_IPV6 ? 'ip6' : 'ip'} ${TABLE} table`);
        members = new Map();
        this.members.set(family, members);
      } else if (!members.has(vmacIfindex)) {
        await sock.transaction(vmacFirewallElements(family, vmacIfindex, baseIfindex, false, false), 'nftables VMAC elements');
      }
      members.set(vmacIfindex, baseIfindex);
    } catch (e) {
      this.log.info(`VMAC firewall: ${(e as Error).message} - IGMP/MLD reports may leave with the virtual MAC`);
    }
  }

  async remove(family: number, vmacIfindex: number): Promise<void> {
    const members = this.members.get(family);
    const base = members?.get(vmacIfindex);
    if (members === undefined || base === undefined || this.socket === undefined) return;
    members.delete(vmacIfindex);
    try {
      await this.socket.transaction(vmacFirewallElements(family, vmacIfindex, base, true, false), 'nftables VMAC elements');
      if (members.size === 0) {
        this.members.delete(family);
        await this.socket.transaction([{ body: { kind: 'del-table', table: TABLE }, family }], `nftables ${TABLE} table`);
      }
    } catch (e) {
      this.log.info(`VMAC firewall: ${(e as Error).message}`);
    }
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
