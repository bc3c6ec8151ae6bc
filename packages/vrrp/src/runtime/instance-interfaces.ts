/**
 * Which interface each vrrp_instance runs on: its configured interface, or
 * the VMAC that use_vmac gives it (see vmac.ts). Resolution logs keepalived's
 * "Assigned address" lines with -D, once per interface.
 */
import { AF_INET, AF_INET6 } from '@keepalived-ts/native';
import type { AddressInfo, InterfaceTable, Rtnetlink } from '@keepalived-ts/netlink-reflector';
import type { VrrpInstance as ConfigVrrpInstance } from '@keepalived-ts/core';
import type { ResolvedInterface } from './instance-runtime.js';
import { VmacManager, procSysctl, type VmacLog } from './vmac.js';
import type { KeepalivedFirewall } from './nft-firewall.js';

/** A configuration the daemon cannot run: the child exits with KEEPALIVED_EXIT_CONFIG. */
export class VrrpConfigError extends Error {}

/** The address keepalived picks as an interface's own: the first primary IPv4 / the first IPv6 link-local. */
export function primaryAddress(addrs: AddressInfo[], family: number): string | undefined {
  if (family === AF_INET) return addrs.find((a) => a.family === AF_INET && (a.flags & 0x01) === 0)?.address ?? addrs.find((a) => a.family === AF_INET)?.address;
  return addrs.find((a) => a.family === AF_INET6 && a.address.toLowerCase().startsWith('fe80'))?.address;
}

export class InstanceInterfaces {
  readonly vmacs: VmacManager;
  private readonly logged = new Set<number>();

  constructor(
    private readonly table: InterfaceTable,
    rtnl: Rtnetlink,
    private readonly log: VmacLog,
    private readonly detail: boolean,
    vmac: { prefix?: string | undefined; firewall?: KeepalivedFirewall; disableLocalIgmp?: boolean } = {},
  ) {
    this.vmacs = new VmacManager(rtnl, table, log, detail, vmac.prefix, procSysctl,
      vmac.firewall ? { rules: vmac.firewall, ipv4: !vmac.disableLocalIgmp } : undefined);
  }

  /**
   * Checks every instance's interface exists (throws VrrpConfigError before
   * anything is changed), logs their addresses with -D, then creates or adopts
   * the VMACs of the use_vmac instances among them.
   */
  async prepare(instances: readonly ConfigVrrpInstance[], logAddresses: boolean): Promise<void> {
    for (const inst of instances) {
      const base = this.baseLink(inst, logAddresses);
      if (inst.useIpvlan && !inst.useVmac) this.log.info(`(${inst.name}) use_ipvlan is not supported - the instance runs on ${base.name}`);
    }
    const wanting = instances.filter((i) => i.useVmac && this.vmacs.linkOf(i) === undefined);
    if (wanting.length === 0) return;
    for (const inst of wanting) await this.vmacs.ensure(inst, this.vmacs.names());
    // the monitor reflects the new links and addresses a little later; resolve from a fresh dump
    await this.table.resync('VMAC interfaces created');
    if (!this.detail || !logAddresses) return;
    for (const inst of wanting) {
      const vmac = this.vmacs.linkOf(inst);
      if (vmac === undefined || inst.family !== 'inet6') continue;
      const ll = primaryAddress(this.table.addresses({ ifindex: vmac.ifindex }), AF_INET6);
      if (ll !== undefined) this.log.info(`Assigned address ${ll} for interface ${vmac.name}`);
    }
  }

  /** The interface the instance sends and receives on, with the source address of its adverts. */
  resolve(inst: ConfigVrrpInstance): ResolvedInterface {
    const base = this.baseLink(inst, false);
    const fam = inst.family === 'inet' ? AF_INET : AF_INET6;
    const srcAddr = inst.sourceAddress ?? primaryAddress(this.table.addresses({ ifindex: base.ifindex }), fam) ?? (fam === AF_INET ? '0.0.0.0' : '::');
    const vmac = inst.useVmac ? this.vmacs.linkOf(inst) : undefined;
    const link = vmac !== undefined ? this.table.link(vmac.ifindex) : undefined;
    if (vmac === undefined || link === undefined) {
      return { ifindex: base.ifindex, ifname: base.name, mac: base.mac ?? '00:00:00:00:00:00', srcAddr };
    }
    return {
      ifindex: link.ifindex, ifname: link.name, mac: link.mac ?? '00:00:00:00:00:00', srcAddr,
      base: { ifindex: base.ifindex, ifname: base.name }, created: vmac.created,
      // vmac_xmit_base: adverts use the base interface (and its MAC), the VIPs stay on the VMAC
      ...(inst.vmacXmitBase ? { xmit: { ifindex: base.ifindex, ifname: base.name } } : {}),
    };
  }

  private baseLink(inst: ConfigVrrpInstance, logAddresses: boolean) {
    const link = inst.interface !== undefined ? this.table.linkByName(inst.interface) : undefined;
    if (link === undefined) throw new VrrpConfigError('Non-existent interface specified in configuration');
    if (logAddresses && this.detail && !this.logged.has(link.ifindex)) {
      this.logged.add(link.ifindex);
      const addrs = this.table.addresses({ ifindex: link.ifindex });
      for (const fam of [AF_INET, AF_INET6]) {
        const a = primaryAddress(addrs, fam);
        if (a !== undefined) this.log.info(`Assigned address ${a} for interface ${link.name}`);
      }
    }
    return link;
  }
}
