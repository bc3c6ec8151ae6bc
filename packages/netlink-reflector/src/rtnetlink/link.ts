// struct ifinfomsg (16 bytes) + IFLA_* attributes.
import { AF_INET6, AttrSet, AttrWriter } from '@keepalived-ts/native';
import {
  IFLA_ADDRESS, IFLA_AF_SPEC, IFLA_BROADCAST, IFLA_INET6_ADDR_GEN_MODE, IFLA_IFALIAS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND, IFLA_LINK, IFLA_LINKINFO, IFLA_LINK_NETNSID, IFLA_MACVLAN_MODE, IFLA_MASTER,
  IFLA_MTU, IFLA_OPERSTATE, IFLA_TXQLEN, MACVLAN_MODE_BRIDGE, MACVLAN_MODE_PASSTHRU,
  MACVLAN_MODE_PRIVATE, MACVLAN_MODE_SOURCE, MACVLAN_MODE_VEPA, OPER_STATES, type OperState,
} from './constants.js';
import { bufferToMac, macToBuffer } from './ipaddr.js';

export const IFINFOMSG_LEN = 16;

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';
const MACVLAN_MODES: ReadonlyArray<[MacvlanMode, number]> = [
  ['private', MACVLAN_MODE_PRIVATE], ['vepa', MACVLAN_MODE_VEPA], ['bridge', MACVLAN_MODE_BRIDGE],
  ['passthru', MACVLAN_MODE_PASSTHRU], ['source', MACVLAN_MODE_SOURCE],
];
export function macvlanModeNumber(mode: MacvlanMode): number {
  const hit = MACVLAN_MODES.find(([m]) => m === mode);
  if (!hit) throw new TypeError(`unknown macvlan mode ${JSON.stringify(mode)}`);
  return hit[1];
}
export function macvlanModeName(n: number): MacvlanMode | undefined {
  return MACVLAN_MODES.find(([, v]) => v === n)?.[0];
}

export interface LinkMessage {
  family: number;
  /** ARPHRD_* device type (1 = ether, 772 = loopback). */
  deviceType: number;
  index: number;
  flags: number;
  /** Mask of `flags` bits to change (requests); 0 in kernel replies except 0xffffffff on new links. */
  change: number;
  ifname?: string;
  /** MAC address as aa:bb:cc:dd:ee:ff; set it in RTM_NEWLINK to give a macvlan its VMAC. */
  address?: string;
  broadcast?: string;
  mtu?: number;
  /** Ifindex of the lower device (IFLA_LINK), e.g. a macvlan's parent. */
  link?: number;
  master?: number;
  operState?: OperState;
  txqlen?: number;
  alias?: string;
  linkNetnsId?: number;
  /** IFLA_LINKINFO / IFLA_INFO_KIND, e.g. 'macvlan', 'veth', 'bridge'. */
  kind?: string;
  slaveKind?: string;
  macvlanMode?: MacvlanMode;
  /** IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_ADDR_GEN_MODE (IN6_ADDR_GEN_MODE_*). */
  inet6AddrGenMode?: number;
}

export function encodeLinkMsg(m: LinkMessage): Buffer {
  const head = Buffer.alloc(IFINFOMSG_LEN);
  head.writeUInt8(m.family, 0);
  head.writeUInt16LE(m.deviceType, 2);
  head.writeInt32LE(m.index, 4);
  head.writeUInt32LE(m.flags >>> 0, 8);
  head.writeUInt32LE(m.change >>> 0, 12);
  // Attribute order follows iproute2 so our requests are byte-identical to `ip link add`.
  const w = new AttrWriter();
  if (m.address !== undefined) w.raw(IFLA_ADDRESS, macToBuffer(m.address));
  if (m.broadcast !== undefined) w.raw(IFLA_BROADCAST, macToBuffer(m.broadcast));
  if (m.mtu !== undefined) w.u32(IFLA_MTU, m.mtu);
  if (m.link !== undefined) w.u32(IFLA_LINK, m.link);
  if (m.ifname !== undefined) w.str(IFLA_IFNAME, m.ifname);
  if (m.master !== undefined) w.u32(IFLA_MASTER, m.master);
  if (m.txqlen !== undefined) w.u32(IFLA_TXQLEN, m.txqlen);
  if (m.operState !== undefined) w.u8(IFLA_OPERSTATE, OPER_STATES.indexOf(m.operState));
  if (m.alias !== undefined) w.str(IFLA_IFALIAS, m.alias);
  if (m.linkNetnsId !== undefined) w.s32(IFLA_LINK_NETNSID, m.linkNetnsId);
  if (m.kind !== undefined || m.slaveKind !== undefined) {
    w.nested(IFLA_LINKINFO, (li) => {
      if (m.kind !== undefined) {
        // iproute2 sends the kind without its NUL terminator.
        li.raw(IFLA_INFO_KIND, Buffer.from(m.kind, 'utf8'));
        if (m.kind === 'macvlan' && m.macvlanMode !== undefined) {
          li.nested(IFLA_INFO_DATA, (d) => d.u32(IFLA_MACVLAN_MODE, macvlanModeNumber(m.macvlanMode!)), false);
        }
      }
      if (m.slaveKind !== undefined) li.raw(IFLA_INFO_SLAVE_KIND, Buffer.from(m.slaveKind, 'utf8'));
    }, false);
  }
  if (m.inet6AddrGenMode !== undefined) {
    // iproute2 nests these without NLA_F_NESTED, and the kernel accepts only this on an existing link
    w.nested(IFLA_AF_SPEC, (spec) => spec.nested(AF_INET6, (v6) => v6.u8(IFLA_INET6_ADDR_GEN_MODE, m.inet6AddrGenMode!), false), false);
  }
  return Buffer.concat([head, w.toBuffer()]);
}

export function decodeLinkMsg(buf: Buffer, offset = 0, end = buf.length): LinkMessage {
  if (end - offset < IFINFOMSG_LEN) throw new RangeError(`ifinfomsg needs ${IFINFOMSG_LEN} bytes, got ${end - offset}`);
  const m: LinkMessage = {
    family: buf.readUInt8(offset),
    deviceType: buf.readUInt16LE(offset + 2),
    index: buf.readInt32LE(offset + 4),
    flags: buf.readUInt32LE(offset + 8),
    change: buf.readUInt32LE(offset + 12),
  };
  const a = AttrSet.decode(buf, offset + IFINFOMSG_LEN, end);
  const ifname = a.str(IFLA_IFNAME);
  if (ifname !== undefined) m.ifname = ifname;
  const address = a.get(IFLA_ADDRESS);
  if (address !== undefined) m.address = bufferToMac(address);
  const broadcast = a.get(IFLA_BROADCAST);
  if (broadcast !== undefined) m.broadcast = bufferToMac(broadcast);
  const mtu = a.u32(IFLA_MTU);
  if (mtu !== undefined) m.mtu = mtu;
  const link = a.u32(IFLA_LINK);
  if (link !== undefined) m.link = link;
  const master = a.u32(IFLA_MASTER);
  if (master !== undefined) m.master = master;
  const txqlen = a.u32(IFLA_TXQLEN);
  if (txqlen !== undefined) m.txqlen = txqlen;
  const oper = a.u8(IFLA_OPERSTATE);
  if (oper !== undefined) m.operState = OPER_STATES[oper] ?? 'UNKNOWN';
  const alias = a.str(IFLA_IFALIAS);
  if (alias !== undefined) m.alias = alias;
  const nsid = a.s32(IFLA_LINK_NETNSID);
  if (nsid !== undefined) m.linkNetnsId = nsid;
  const info = a.nested(IFLA_LINKINFO);
  if (info) {
    const kind = info.str(IFLA_INFO_KIND);
    if (kind !== undefined) m.kind = kind;
    const slaveKind = info.str(IFLA_INFO_SLAVE_KIND);
    if (slaveKind !== undefined) m.slaveKind = slaveKind;
    const data = kind === 'macvlan' ? info.nested(IFLA_INFO_DATA) : undefined;
    const mode = data?.u32(IFLA_MACVLAN_MODE);
    if (mode !== undefined) {
      const name = macvlanModeName(mode);
      if (name) m.macvlanMode = name;
    }
  }
  const genMode = a.nested(IFLA_AF_SPEC)?.nested(AF_INET6)?.u8(IFLA_INET6_ADDR_GEN_MODE);
  if (genMode !== undefined) m.inet6AddrGenMode = genMode;
  return m;
}
