/**
 * keepalived's VMAC (use_vmac): each instance gets a private-mode macvlan on
 * its interface, named vrrp.<VRID> and carrying the RFC 3768/5798 virtual MAC
 * 00:00:5e:00:01|02:<VRID>. The VIPs live on it, GARPs/NAs and (unless
 * vmac_xmit_base) adverts leave from it, so a failover moves the MAC with the
 * address and neighbours' caches stay right without waiting for the GARP.
 *
 * As keepalived 2.2.7 does (vrrp_vmac.c, vrrp_if_config.c), measured on this
 * machine: an existing matching macvlan is reused, otherwise one is created;
 * IPv4 VMACs get arp_ignore=1, accept_local=1, rp_filter=0 and
 * promote_secondaries=1 and the base interface arp_ignore=1, arp_filter=1
 * (so only the VMAC answers ARP for the VIPs); IPv6 is disabled on an IPv4
 * VMAC without IPv6 VIPs; the kernel is told not to generate a link-local
 * (addrgenmode none) and an IPv6 VMAC gets the base's link-local instead
 * (nodad, deprecated) so adverts keep their source address. VMACs we made
 * or adopted are deleted at stop. Unlike keepalived we also put the base's
 * arp_ignore/arp_filter and all.rp_filter back once the last VMAC is gone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { bufferToMac, type AddressInfo, type InterfaceInfo, type InterfaceTable, type Rtnetlink } from '@keepalived-ts/netlink-reflector';
import type { VrrpInstance as ConfigVrrpInstance } from '@keepalived-ts/core';
import { NFPROTO_IPV4, NFPROTO_IPV6, type KeepalivedFirewall } from './nft-firewall.js';

const AF_INET6 = 10;
const IFNAMSIZ = 16;

/** /proc/sys access, injectable for tests. Values are the files' trimmed text. */
export interface SysctlIo {
  read(path: string): Promise<string | undefined>;
  write(path: string, value: string): Promise<void>;
}

export const procSysctl: SysctlIo = {
  read: async (path) => {
    try {
      return (await readFile(`/proc/sys/${path}`, 'utf8')).trim();
    } catch {
      return undefined;
    }
  },
  write: (path, value) => writeFile(`/proc/sys/${path}`, value),
};

export interface VmacLog {
  info(text: string): void;
}

/** The virtual MAC: configured, else 00:00:5e:00:01:<vrid> (IPv4) / 00:00:5e:00:02:<vrid> (IPv6). */
export function vmacAddressFor(cfg: Pick<ConfigVrrpInstance, 'vmacMacAddress' | 'family' | 'virtualRouterId'>): string {
  const bytes = cfg.vmacMacAddress !== undefined
    ? cfg.vmacMacAddress.split(':').filter((b) => b !== '').map((b) => parseInt(b, 16))
    : [0x00, 0x00, 0x5e, 0x00, cfg.family === 'inet6' ? 0x02 : 0x01, cfg.virtualRouterId];
  while (bytes.length < 6) bytes.push(0);
  return bufferToMac(Buffer.from(bytes.slice(0, 6)));
}

/**
 * keepalived's create_vmac_name: PREFIX.VRID, then PREFIX6.VRID first for IPv6,
 * then PREFIX1.VRID, PREFIX2.VRID, ... skipping names in use; the prefix is cut
 * so the name fits IFNAMSIZ.
 */
export function vmacNameFor(prefix: string, vrid: number, family: 'inet' | 'inet6', inUse: (name: string) => boolean): string {
  const fit = (num: string): string => {
    const tail = `${num}.${vrid}`;
    const room = IFNAMSIZ - 1 - tail.length;
    return `${prefix.slice(0, Math.max(0, room))}${tail}`;
  };
  let name = fit('');
  let num = 0;
  while (inUse(name)) {
    if (family === 'inet6') num = num === 0 ? 6 : num === 6 ? 1 : num + 1 === 6 ? 7 : num + 1;
    else num++;
    name = fit(String(num));
  }
  return name;
}

/** EUI-64 link-local from a MAC (keepalived's make_link_local_address). */
export function linkLocalFromMac(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const hex = (hi: number, lo: number): string => ((hi << 8) | lo).toString(16);
  return `fe80::${hex((b[0]! ^ 0x02), b[1]!)}:${hex(b[2]!, 0xff)}:${hex(0xfe, b[3]!)}:${hex(b[4]!, b[5]!)}`;
}

/** An instance as keepalived's vrrp_exist matches it across reloads (name, VRID, family, interface). */
function vmacKey(cfg: ConfigVrrpInstance): string {
  return `${cfg.name}/${cfg.virtualRouterId}/${cfg.family}/${cfg.interface ?? ''}`;
}

export interface OwnedVmac {
  instance: string;
  ifindex: number;
  name: string;
  baseIfindex: number;
  baseName: string;
  family: 'inet' | 'inet6';
  /** Made by us in this run, not an existing one adopted. */
  created: boolean;
}

/** What we changed on a base interface for its IPv4 VMACs, to put back when the last one goes. */
interface BaseArpChange {
  users: number;
  restore: [key: string, value: string][];
}

export class VmacManager {
  /** By vmacKey(instance). */
  private readonly owned = new Map<string, OwnedVmac>();
  private readonly baseArp = new Map<string, BaseArpChange>();
  /** all.rp_filter (and default.rp_filter) as found, while we hold it at 0. */
  private rpFilterSaved: { all: string; default?: string; raised: [path: string, was: string][] } | undefined;

  constructor(
    private readonly rtnl: Rtnetlink,
    private readonly table: InterfaceTable,
    private readonly log: VmacLog,
    private readonly detail: boolean,
    private readonly prefix: string = 'vrrp',
    private readonly sysctl: SysctlIo = procSysctl,
    /** keepalived's nftables rules for VMACs; IPv4 ones are skipped with disable_local_igmp. */
    private readonly firewall?: { rules: KeepalivedFirewall; ipv4: boolean },
  ) {}

  /** The VMAC link of an instance, if it has one up. */
  linkOf(cfg: ConfigVrrpInstance): OwnedVmac | undefined {
    return this.owned.get(vmacKey(cfg));
  }

  /** Names of every VMAC we hold. */
  names(): Set<string> {
    return new Set([...this.owned.values()].map((v) => v.name));
  }

  /**
   * Finds or creates the instance's VMAC and configures it. Resolves to the
   * VMAC's name, or undefined when it could not be made (logged; the instance
   * then runs on its base interface).
   */
  async ensure(cfg: ConfigVrrpInstance, otherVmacNames: ReadonlySet<string>): Promise<string | undefined> {
    const base = cfg.interface !== undefined ? this.table.linkByName(cfg.interface) : undefined;
    if (base === undefined) return undefined;
    const key = vmacKey(cfg);
    const have = this.owned.get(key);
    if (have !== undefined && this.table.link(have.ifindex)?.name === have.name) return have.name;
    const mac = vmacAddressFor(cfg);
    const matching = this.table.links().find((l) => l.kind === 'macvlan' && l.macvlanMode === 'private' && l.link === base.ifindex
      && l.mac?.toLowerCase() === mac && (cfg.vmacInterfaceName === undefined || l.name === cfg.vmacInterfaceName)
      && !otherVmacNames.has(l.name));
    let link: InterfaceInfo;
    if (matching !== undefined) {
      this.log.info(`(${cfg.name}) Found matching interface ${matching.name}`);
      link = matching;
    } else {
      const name = await this.chooseName(cfg, otherVmacNames);
      try {
        link = await this.rtnl.createMacvlan({ parent: base.ifindex, name, mode: 'private', mac });
      } catch (e) {
        this.log.info(`(${cfg.name}): Unable to create VMAC interface ${name} (${(e as Error).message})`);
        return undefined;
      }
      if (this.detail) this.log.info(`(${cfg.name}): Success creating VMAC interface ${name}`);
    }
    const vmac: OwnedVmac = {
      instance: cfg.name, ifindex: link.ifindex, name: link.name, baseIfindex: base.ifindex, baseName: base.name, family: cfg.family,
      created: matching === undefined,
    };
    this.owned.set(key, vmac);
    await this.configure(cfg, vmac, matching === undefined);
    return vmac.name;
  }

  /** Deletes the instance's VMAC (its VIPs go with it) and puts back what its creation changed. */
  async release(cfg: ConfigVrrpInstance): Promise<void> {
    await this.releaseKey(vmacKey(cfg));
  }

  async releaseAll(): Promise<void> {
    for (const key of [...this.owned.keys()]) await this.releaseKey(key);
  }

  private async releaseKey(key: string): Promise<void> {
    const vmac = this.owned.get(key);
    if (vmac === undefined) return;
    this.owned.delete(key);
    const instance = vmac.instance;
    const fw = this.firewallFamily(vmac);
    if (fw !== undefined) await this.firewall!.rules.removeVmac(fw, vmac.ifindex);
    try {
      await this.rtnl.deleteLink(vmac.ifindex);
      if (this.detail) this.log.info(`(${instance}) Success removing VMAC interface ${vmac.name}`);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENODEV') this.log.info(`(${instance}) Error removing VMAC interface ${vmac.name}`);
    }
    if (vmac.family === 'inet') await this.releaseBaseArp(vmac.baseName);
    if (![...this.owned.values()].some((v) => v.family === 'inet')) await this.restoreRpFilter();
  }

  private firewallFamily(vmac: OwnedVmac): number | undefined {
    if (this.firewall === undefined) return undefined;
    if (vmac.family === 'inet6') return NFPROTO_IPV6;
    return this.firewall.ipv4 ? NFPROTO_IPV4 : undefined;
  }

  private async chooseName(cfg: ConfigVrrpInstance, others: ReadonlySet<string>): Promise<string> {
    const configured = cfg.vmacInterfaceName;
    if (configured !== undefined) {
      const existing = this.table.linkByName(configured);
      if (existing === undefined) return configured;
      if (existing.kind === 'macvlan') {
        this.log.info(`(${cfg.name}) VMAC ${configured} already exists but is incompatible. It will be deleted/updated`);
        await this.rtnl.deleteLink(existing.ifindex).catch(() => undefined);
        return configured;
      }
      this.log.info(`(${cfg.name}) VMAC interface name ${configured} already exists as a non VMAC interface. ignoring configured name`);
    }
    return vmacNameFor(this.prefix, cfg.virtualRouterId, cfg.family, (n) => others.has(n) || this.table.linkByName(n) !== undefined);
  }

  private async configure(cfg: ConfigVrrpInstance, vmac: OwnedVmac, created: boolean): Promise<void> {
    if (cfg.family === 'inet' && created) {
      await this.clearRpFilter();
      for (const [key, value] of [['arp_ignore', '1'], ['accept_local', '1'], ['rp_filter', '0'], ['promote_secondaries', '1']] as const) {
        await this.set(`net/ipv4/conf/${vmac.name}/${key}`, value);
      }
      await this.holdBaseArp(vmac.baseName);
    }
    // before the link comes up: bringing it up sends MLD reports and a router solicitation
    const fw = this.firewallFamily(vmac);
    if (fw !== undefined) await this.firewall!.rules.addVmac(fw, vmac.ifindex, vmac.baseIfindex);
    const wantsIpv6 = cfg.family === 'inet6'
      || [...cfg.virtualIpaddress, ...cfg.virtualIpaddressExcluded].some((v) => v.family === 'inet6');
    await this.set(`net/ipv6/conf/${vmac.name}/disable_ipv6`, wantsIpv6 ? '0' : '1');
    try {
      await this.rtnl.setLinkAddrGenMode(vmac.ifindex, 'none');
    } catch {
      this.log.info(`(${cfg.name}) Error setting ADDR_GEN_MODE to NONE on ${vmac.name}`);
    }
    await this.rtnl.setLinkUp(vmac.ifindex).catch((e: Error) => this.log.info(`(${cfg.name}) Netlink: ${e.message}`));
    if (cfg.family === 'inet6' && !cfg.vmacXmitBase) {
      const baseLl = this.table.addresses({ ifindex: vmac.baseIfindex, family: AF_INET6 })
        .find((a: AddressInfo) => a.address.toLowerCase().startsWith('fe80'))?.address;
      const mac = this.table.link(vmac.baseIfindex)?.mac;
      const ll = cfg.sourceAddress ?? baseLl ?? (mac !== undefined ? linkLocalFromMac(mac) : undefined);
      if (ll === undefined) return;
      try {
        // as keepalived's: no DAD (it is the base's own address) and deprecated, so nothing else picks it as a source
        await this.rtnl.addAddress({ address: ll, prefixLen: 64, dev: vmac.ifindex, nodad: true, preferredLifetime: 0 });
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST' && created) this.log.info(`(${cfg.name}) adding link-local address to ${vmac.name} failed`);
      }
    }
  }

  private async set(path: string, value: string): Promise<void> {
    try {
      await this.sysctl.write(path, value);
    } catch (e) {
      this.log.info(`Unable to set sysctl ${path.replace(/\//g, '.')} (${(e as Error).message})`);
    }
  }

  private async holdBaseArp(base: string): Promise<void> {
    const held = this.baseArp.get(base);
    if (held !== undefined) {
      held.users++;
      return;
    }
    const change: BaseArpChange = { users: 1, restore: [] };
    this.baseArp.set(base, change);
    for (const key of ['arp_ignore', 'arp_filter']) {
      const path = `net/ipv4/conf/${base}/${key}`;
      const was = await this.sysctl.read(path);
      if (was === undefined || was === '1') continue;
      await this.set(path, '1');
      change.restore.push([path, was]);
    }
  }

  private async releaseBaseArp(base: string): Promise<void> {
    const held = this.baseArp.get(base);
    if (held === undefined || --held.users > 0) return;
    this.baseArp.delete(base);
    for (const [path, was] of held.restore) {
      if ((await this.sysctl.read(path)) === '1') await this.set(path, was);
    }
  }

  /**
   * IPv4 VMACs need rp_filter 0, which all.rp_filter overrides: as keepalived's
   * clear_rp_filter, raise default and every interface to all's value first
   * (so nothing else changes behaviour), then set all to 0.
   */
  private async clearRpFilter(): Promise<void> {
    if (this.rpFilterSaved !== undefined) return;
    const all = await this.sysctl.read('net/ipv4/conf/all/rp_filter');
    if (all === undefined) {
      this.log.info('Unable to read sysctl net.ipv4.conf.all.rp_filter');
      return;
    }
    if (all === '0') return;
    this.rpFilterSaved = { all, raised: [] };
    const dflt = await this.sysctl.read('net/ipv4/conf/default/rp_filter');
    if (dflt !== undefined && Number(dflt) < Number(all)) {
      this.log.info(`NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from ${dflt} to ${all}`);
      await this.set('net/ipv4/conf/default/rp_filter', all);
      this.rpFilterSaved.default = dflt;
    }
    for (const l of this.table.links()) {
      const path = `net/ipv4/conf/${l.name}/rp_filter`;
      const v = await this.sysctl.read(path);
      if (v === undefined || Number(v) >= Number(all)) continue;
      await this.set(path, all);
      this.rpFilterSaved.raised.push([path, v]);
    }
    this.log.info(`NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from ${all} to 0`);
    await this.set('net/ipv4/conf/all/rp_filter', '0');
  }

  private async restoreRpFilter(): Promise<void> {
    const saved = this.rpFilterSaved;
    if (saved === undefined) return;
    this.rpFilterSaved = undefined;
    if ((await this.sysctl.read('net/ipv4/conf/all/rp_filter')) === '0') {
      this.log.info(`NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to ${saved.all}`);
      await this.set('net/ipv4/conf/all/rp_filter', saved.all);
    }
    if (saved.default !== undefined && (await this.sysctl.read('net/ipv4/conf/default/rp_filter')) === saved.all) {
      this.log.info(`NOTICE: resetting sysctl net.ipv4.conf.default.rp_filter to ${saved.default}`);
      await this.set('net/ipv4/conf/default/rp_filter', saved.default);
    }
    for (const [path, was] of saved.raised) {
      if ((await this.sysctl.read(path)) === saved.all) await this.set(path, was);
    }
  }
}
