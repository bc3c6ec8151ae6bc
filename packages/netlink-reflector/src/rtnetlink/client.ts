// The operations keepalived performs through rtnetlink: VIPs, routes, rules,
// macvlan (VMAC) links. Each names what it did in its errors, and a missing
// interface is reported by name.
import { AF_INET, AF_UNSPEC, type NativeBinding } from '@keepalived-ts/native';
import type { AddrMessage } from './addr.js';
import {
  FIB_RULE_INVERT, FR_ACT_BLACKHOLE, FR_ACT_GOTO, FR_ACT_NOP, FR_ACT_PROHIBIT, FR_ACT_TO_TBL,
  FR_ACT_UNREACHABLE, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFF_UP, IN6_ADDR_GEN_MODE_EUI64, IN6_ADDR_GEN_MODE_NONE, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
  RTM_DELADDR, RTM_DELLINK, RTM_DELROUTE, RTM_DELRULE, RTM_GETADDR, RTM_GETLINK, RTM_GETROUTE,
  RTM_GETRULE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE, RTM_NEWRULE, RTN_BLACKHOLE, RTN_LOCAL,
  RTN_PROHIBIT, RTN_THROW, RTN_UNICAST, RTN_UNREACHABLE, RTPROT_BOOT, RT_SCOPE_HOST, RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE, RT_SCOPE_SITE, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN,
} from './constants.js';
import { NetlinkError } from './errors.js';
import { familyOf, ipv4Broadcast } from './ipaddr.js';
import type { MacvlanMode } from './link.js';
import { silentLogger, type Logger } from './logger.js';
import type { RouteMessage } from './route.js';
import type { RuleMessage } from './rule.js';
import { RtnlRequester } from './socket.js';
import { addressFromMessage, interfaceFromLink, type AddressInfo, type InterfaceInfo } from './table.js';

/** An interface by name or ifindex. */
export type Device = string | number;

export type ScopeName = 'global' | 'site' | 'link' | 'host' | 'nowhere';
const SCOPES: Record<ScopeName, number> = {
  global: RT_SCOPE_UNIVERSE, site: RT_SCOPE_SITE, link: RT_SCOPE_LINK, host: RT_SCOPE_HOST, nowhere: RT_SCOPE_NOWHERE,
};
export function scopeNumber(scope: ScopeName | number | undefined, fallback: number): number {
  if (scope === undefined) return fallback;
  return typeof scope === 'number' ? scope : SCOPES[scope];
}

/** "a.b.c.d/len" or a bare address (host prefix). */
export function parsePrefix(text: string, explicitLen?: number): { address: string; len: number; family: number } {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = familyOf(address);
  const max = family === AF_INET ? 32 : 128;
  const len = explicitLen ?? (slash < 0 ? max : Number(text.slice(slash + 1)));
  if (!Number.isInteger(len) || len < 0 || len > max) throw new RangeError(`bad prefix length in ${JSON.stringify(text)}`);
  return { address, len, family };
}

export interface AddressSpec {
  /** "192.0.2.10", "192.0.2.10/24" or "2001:db8::10/64". */
  address: string;
  prefixLen?: number;
  dev: Device;
  /** IPv4 alias label such as "eth0:2" (must start with the device name). */
  label?: string;
  scope?: ScopeName | number;
  /** IPv4 broadcast; 'auto' computes it from the prefix like `brd +`. */
  broadcast?: string | 'auto';
  /** Point-to-point peer (IFA_ADDRESS differing from IFA_LOCAL). */
  peer?: string;
  /** IPv6 only: skip duplicate address detection; keepalived sets this for VIPs. */
  nodad?: boolean;
  noprefixroute?: boolean;
  /** Extra IFA_F_* bits. */
  flags?: number;
  /** Preferred lifetime in seconds (0 = deprecated address); valid stays infinite. */
  preferredLifetime?: number;
}

export type RouteType = 'unicast' | 'local' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
const ROUTE_TYPES: Record<RouteType, number> = {
  unicast: RTN_UNICAST, local: RTN_LOCAL, blackhole: RTN_BLACKHOLE, unreachable: RTN_UNREACHABLE,
  prohibit: RTN_PROHIBIT, throw: RTN_THROW,
};

export interface RouteSpec {
  /** "198.51.100.0/24", "2001:db8:1::/48", or "default" (then give family or gateway). */
  dst: string;
  family?: number;
  gateway?: string;
  dev?: Device;
  table?: number;
  metric?: number;
  /** Preferred source address (`src` in ip route). */
  prefsrc?: string;
  scope?: ScopeName | number;
  /** RTPROT_*; defaults to RTPROT_BOOT like `ip route add`. */
  protocol?: number;
  type?: RouteType;
  tos?: number;
}

export type RuleAction = 'table' | 'goto' | 'nop' | 'blackhole' | 'unreachable' | 'prohibit';
const RULE_ACTIONS: Record<RuleAction, number> = {
  table: FR_ACT_TO_TBL, goto: FR_ACT_GOTO, nop: FR_ACT_NOP, blackhole: FR_ACT_BLACKHOLE,
  unreachable: FR_ACT_UNREACHABLE, prohibit: FR_ACT_PROHIBIT,
};

export interface RuleSpec {
  family?: number;
  /** Source prefix ("192.0.2.10" or "192.0.2.0/24"). */
  from?: string;
  to?: string;
  table?: number;
  priority?: number;
  fwmark?: number;
  fwmask?: number;
  iif?: string;
  oif?: string;
  tos?: number;
  action?: RuleAction;
  /** Target priority for action 'goto'. */
  goto?: number;
  invert?: boolean;
  suppressPrefixLen?: number;
  protocol?: number;
}

export interface MacvlanSpec {
  parent: Device;
  name: string;
  mode: MacvlanMode;
  /** The VMAC, e.g. 00:00:5e:00:01:<vrid>. */
  mac?: string;
}

export interface RtnetlinkOptions {
  native: NativeBinding;
  logger?: Logger;
}

export class Rtnetlink {
  readonly requester: RtnlRequester;
  private readonly logger: Logger;

  constructor(opts: RtnetlinkOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.requester = new RtnlRequester(opts.native, this.logger);
  }

  close(): void {
    this.requester.close();
  }

  /** The interface as the kernel reports it now; ENODEV error naming it if absent. */
  async getLink(dev: Device): Promise<InterfaceInfo> {
    const byName = typeof dev === 'string';
    const what = byName ? `interface ${dev} does not exist` : `interface with ifindex ${dev} does not exist`;
    // The kernel answers ENODEV for an unknown name or index; `what` names the interface.
    const parts = await this.requester.request({ kind: 'link', type: RTM_GETLINK, flags: 0,
      link: { family: AF_UNSPEC, deviceType: 0, index: byName ? 0 : dev, flags: 0, change: 0,
        ...(byName ? { ifname: dev } : {}) } }, what);
    const m = parts.find((p) => p.kind === 'link');
    if (m?.kind !== 'link') throw new NetlinkError('RTM_GETLINK', 19, what);
    return interfaceFromLink(m.link);
  }

  async ifindex(dev: Device): Promise<number> {
    return typeof dev === 'number' ? dev : (await this.getLink(dev)).ifindex;
  }

  async listLinks(): Promise<InterfaceInfo[]> {
    const parts = await this.requester.dump({ kind: 'link', type: RTM_GETLINK, flags: 0,
      link: { family: AF_UNSPEC, deviceType: 0, index: 0, flags: 0, change: 0 } }, 'dump links');
    return parts.flatMap((m) => (m.kind === 'link' && m.link.family === AF_UNSPEC ? [interfaceFromLink(m.link)] : []));
  }

  async listAddresses(family = AF_UNSPEC): Promise<AddressInfo[]> {
    const parts = await this.requester.dump({ kind: 'addr', type: RTM_GETADDR, flags: 0,
      addr: { family, prefixLen: 0, flags: 0, scope: 0, index: 0 } }, 'dump addresses');
    return parts.flatMap((m) => {
      const a = m.kind === 'addr' ? addressFromMessage(m.addr) : undefined;
      return a ? [a] : [];
    });
  }

  async listRoutes(family = AF_UNSPEC): Promise<RouteMessage[]> {
    const parts = await this.requester.dump({ kind: 'route', type: RTM_GETROUTE, flags: 0, route: {
      family, dstLen: 0, srcLen: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 } }, 'dump routes');
    return parts.flatMap((m) => (m.kind === 'route' ? [m.route] : []));
  }

  async listRules(family = AF_UNSPEC): Promise<RuleMessage[]> {
    const parts = await this.requester.dump({ kind: 'rule', type: RTM_GETRULE, flags: 0, rule: {
      family, dstLen: 0, srcLen: 0, tos: 0, table: 0, action: 0, flags: 0 } }, 'dump rules');
    return parts.flatMap((m) => (m.kind === 'rule' ? [m.rule] : []));
  }

  /** Adds a (VIP) address; `replace` updates an existing one instead of failing with EEXIST. */
  /**
   * With a numeric ifindex the request leaves in the caller's turn: a new
   * VRRP master's VIP add must not wait behind the rest of its transition.
   */
  addAddress(spec: AddressSpec, opts: { replace?: boolean } = {}): Promise<void> {
    const flags = NLM_F_CREATE | (opts.replace ? NLM_F_REPLACE : NLM_F_EXCL);
    return this.withIndex(spec.dev, (index) => {
      const { msg, what } = this.addressMessage(spec, 'add', index);
      return this.requester.request({ kind: 'addr', type: RTM_NEWADDR, flags, addr: msg }, what).then(() => undefined);
    });
  }

  removeAddress(spec: AddressSpec): Promise<void> {
    return this.withIndex(spec.dev, (index) => {
      const { msg, what } = this.addressMessage(spec, 'remove', index);
      return this.requester.request({ kind: 'addr', type: RTM_DELADDR, flags: 0, addr: msg }, what).then(() => undefined);
    });
  }

  /** Runs send with the device's ifindex: at once for a number, after a lookup for a name. */
  private withIndex(dev: Device, send: (index: number) => Promise<void>): Promise<void> {
    if (typeof dev === 'number') {
      try {
        return send(dev);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.ifindex(dev).then(send);
  }

  private addressMessage(spec: AddressSpec, verb: string, index: number): { msg: AddrMessage; what: string } {
    const p = parsePrefix(spec.address, spec.prefixLen);
    const what = `${verb} address ${p.address}/${p.len} ${typeof spec.dev === 'string' ? `dev ${spec.dev}` : `ifindex ${spec.dev}`}`;
    let flags = spec.flags ?? 0;
    if (spec.nodad) flags |= IFA_F_NODAD;
    if (spec.noprefixroute) flags |= IFA_F_NOPREFIXROUTE;
    const msg: AddrMessage = { family: p.family, prefixLen: p.len, flags, scope: scopeNumber(spec.scope, RT_SCOPE_UNIVERSE), index };
    msg.local = p.address;
    if (spec.label !== undefined) msg.label = spec.label;
    msg.address = spec.peer ?? p.address;
    if (p.family === AF_INET && spec.broadcast !== undefined && verb === 'add') {
      msg.broadcast = spec.broadcast === 'auto' ? ipv4Broadcast(p.address, p.len) : spec.broadcast;
    }
    if (spec.preferredLifetime !== undefined && verb === 'add') {
      msg.cacheInfo = { preferred: spec.preferredLifetime, valid: 0xffffffff, created: 0, updated: 0 };
    }
    return { msg, what };
  }

  async addRoute(spec: RouteSpec, opts: { replace?: boolean } = {}): Promise<void> {
    const { msg, what } = await this.routeMessage(spec, 'add');
    await this.requester.request({ kind: 'route', type: RTM_NEWROUTE,
      flags: NLM_F_CREATE | (opts.replace ? NLM_F_REPLACE : NLM_F_EXCL), route: msg }, what);
  }

  async removeRoute(spec: RouteSpec): Promise<void> {
    const { msg, what } = await this.routeMessage(spec, 'remove');
    await this.requester.request({ kind: 'route', type: RTM_DELROUTE, flags: 0, route: msg }, what);
  }

  private async routeMessage(spec: RouteSpec, verb: 'add' | 'remove'): Promise<{ msg: RouteMessage; what: string }> {
    const isDefault = spec.dst === 'default';
    const family = spec.family ?? (isDefault ? (spec.gateway ? familyOf(spec.gateway) : undefined) : parsePrefix(spec.dst).family);
    if (family === undefined) throw new TypeError('route to "default" needs a family or a gateway');
    const dst = isDefault ? undefined : parsePrefix(spec.dst);
    const type = ROUTE_TYPES[spec.type ?? 'unicast'];
    const what = `${verb} route ${spec.dst}${spec.gateway ? ` via ${spec.gateway}` : ''}${
      spec.dev !== undefined ? ` dev ${spec.dev}` : ''}${spec.table !== undefined ? ` table ${spec.table}` : ''}`;
    // Default scope as iproute2 picks it: deletes match any scope; local routes are host scoped;
    // unicast routes without a gateway are on-link.
    const defaultScope = verb === 'remove' ? RT_SCOPE_NOWHERE
      : type === RTN_LOCAL ? RT_SCOPE_HOST
      : type === RTN_UNICAST && !spec.gateway ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    const msg: RouteMessage = {
      family, dstLen: dst?.len ?? 0, srcLen: 0, tos: spec.tos ?? 0, table: spec.table ?? RT_TABLE_MAIN,
      protocol: spec.protocol ?? (verb === 'add' ? RTPROT_BOOT : 0), scope: scopeNumber(spec.scope, defaultScope),
      type: verb === 'remove' && spec.type === undefined ? 0 : type, flags: 0,
    };
    if (dst) msg.dst = dst.address;
    if (spec.gateway !== undefined) msg.gateway = spec.gateway;
    if (spec.metric !== undefined) msg.priority = spec.metric;
    if (spec.prefsrc !== undefined) msg.prefsrc = spec.prefsrc;
    if (spec.dev !== undefined) msg.oif = await this.ifindex(spec.dev);
    return { msg, what };
  }

  async addRule(spec: RuleSpec): Promise<void> {
    const { msg, what } = this.ruleMessage(spec, 'add');
    await this.requester.request({ kind: 'rule', type: RTM_NEWRULE, flags: NLM_F_CREATE | NLM_F_EXCL, rule: msg }, what);
  }

  async removeRule(spec: RuleSpec): Promise<void> {
    const { msg, what } = this.ruleMessage(spec, 'remove');
    await this.requester.request({ kind: 'rule', type: RTM_DELRULE, flags: 0, rule: msg }, what);
  }

  private ruleMessage(spec: RuleSpec, verb: 'add' | 'remove'): { msg: RuleMessage; what: string } {
    const from = spec.from !== undefined ? parsePrefix(spec.from) : undefined;
    const to = spec.to !== undefined ? parsePrefix(spec.to) : undefined;
    const family = spec.family ?? from?.family ?? to?.family;
    if (family === undefined) throw new TypeError('rule without from/to needs a family');
    const action = spec.action ?? (spec.table !== undefined || verb === 'add' ? 'table' : undefined);
    const msg: RuleMessage = {
      family, dstLen: to?.len ?? 0, srcLen: from?.len ?? 0, tos: spec.tos ?? 0,
      table: spec.table ?? (verb === 'add' && action === 'table' ? RT_TABLE_MAIN : 0),
      action: action === undefined ? 0 : RULE_ACTIONS[action], flags: spec.invert ? FIB_RULE_INVERT : 0,
    };
    if (from) msg.src = from.address;
    if (to) msg.dst = to.address;
    if (spec.priority !== undefined) msg.priority = spec.priority;
    if (spec.fwmark !== undefined) msg.fwmark = spec.fwmark;
    if (spec.fwmask !== undefined) msg.fwmask = spec.fwmask;
    if (spec.iif !== undefined) msg.iifname = spec.iif;
    if (spec.oif !== undefined) msg.oifname = spec.oif;
    if (spec.goto !== undefined) msg.goto = spec.goto;
    if (spec.suppressPrefixLen !== undefined) msg.suppressPrefixLen = spec.suppressPrefixLen;
    if (spec.protocol !== undefined) msg.protocol = spec.protocol;
    const parts = [spec.from && `from ${spec.from}`, spec.to && `to ${spec.to}`,
      spec.fwmark !== undefined && `fwmark ${spec.fwmark}`, spec.table !== undefined && `table ${spec.table}`,
      spec.priority !== undefined && `priority ${spec.priority}`].filter(Boolean);
    return { msg, what: `${verb} rule ${parts.join(' ') || '(all)'}` };
  }

  /** Creates a macvlan on `parent` (keepalived's VMAC interface) and returns it. */
  async createMacvlan(spec: MacvlanSpec): Promise<InterfaceInfo> {
    const parent = await this.ifindex(spec.parent);
    await this.requester.request({ kind: 'link', type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, link: {
      family: AF_UNSPEC, deviceType: 0, index: 0, flags: 0, change: 0, ifname: spec.name, link: parent,
      kind: 'macvlan', macvlanMode: spec.mode, ...(spec.mac !== undefined ? { address: spec.mac } : {}),
    } }, `create macvlan ${spec.name} on ${spec.parent}`);
    return this.getLink(spec.name);
  }

  async deleteLink(dev: Device): Promise<void> {
    const index = await this.ifindex(dev);
    await this.requester.request({ kind: 'link', type: RTM_DELLINK, flags: 0,
      link: { family: AF_UNSPEC, deviceType: 0, index, flags: 0, change: 0 } }, `delete link ${dev}`);
  }

  async setLinkUp(dev: Device, up = true): Promise<void> {
    const index = await this.ifindex(dev);
    await this.requester.request({ kind: 'link', type: RTM_NEWLINK, flags: 0,
      link: { family: AF_UNSPEC, deviceType: 0, index, flags: up ? IFF_UP : 0, change: IFF_UP } },
    `set link ${dev} ${up ? 'up' : 'down'}`);
  }

  /**
   * IPv6 address generation mode of a link: 'none' keeps the kernel from adding an EUI-64
   * link-local when the link comes up (keepalived sets it on a VMAC before bringing it up).
   */
  async setLinkAddrGenMode(dev: Device, mode: 'eui64' | 'none'): Promise<void> {
    const index = await this.ifindex(dev);
    await this.requester.request({ kind: 'link', type: RTM_NEWLINK, flags: 0, link: {
      family: AF_UNSPEC, deviceType: 0, index, flags: 0, change: 0,
      inet6AddrGenMode: mode === 'none' ? IN6_ADDR_GEN_MODE_NONE : IN6_ADDR_GEN_MODE_EUI64,
    } }, `set link ${dev} addrgenmode ${mode}`);
  }

  /** Sets the MAC address of an existing link (e.g. a VMAC on a pre-made macvlan). */
  async setLinkAddress(dev: Device, mac: string): Promise<void> {
    const index = await this.ifindex(dev);
    await this.requester.request({ kind: 'link', type: RTM_NEWLINK, flags: 0,
      link: { family: AF_UNSPEC, deviceType: 0, index, flags: 0, change: 0, address: mac } },
    `set link ${dev} address ${mac}`);
  }
}
