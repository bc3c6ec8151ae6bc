/**
 * use_vmac without root: names, virtual MACs and link-locals as keepalived
 * derives them, and VmacManager's kernel calls and sysctl writes against fakes
 * (the namespace side by side with keepalived is conformance/test/vrrp-vmac.test.ts).
 */
import t from 'tap';
import type { InterfaceInfo, InterfaceTable, Rtnetlink } from '@keepalived-ts/netlink-reflector';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, readConfigTree, type VrrpInstance } from '@keepalived-ts/core';
import { linkLocalFromMac, vmacAddressFor, VmacManager, vmacNameFor, type SysctlIo } from '../src/runtime/vmac.js';

t.test('vmacAddressFor: RFC 5798 7.3 virtual MACs, or the configured one normalised', async (t) => {
  t.equal(vmacAddressFor({ family: 'inet', virtualRouterId: 51 }), '00:00:5e:00:01:33');
  t.equal(vmacAddressFor({ family: 'inet6', virtualRouterId: 255 }), '00:00:5e:00:02:ff');
  t.equal(vmacAddressFor({ family: 'inet', virtualRouterId: 1, vmacMacAddress: '2:0:5E:0:1:A' }), '02:00:5e:00:01:0a');
});

t.test('vmacNameFor follows keepalived create_vmac_name', async (t) => {
  t.equal(vmacNameFor('vrrp', 51, 'inet', () => false), 'vrrp.51');
  const taken = new Set(['vrrp.51', 'vrrp1.51']);
  t.equal(vmacNameFor('vrrp', 51, 'inet', (n) => taken.has(n)), 'vrrp2.51', 'IPv4: vrrp1, vrrp2, ...');
  t.equal(vmacNameFor('vrrp', 51, 'inet6', (n) => taken.has(n)), 'vrrp6.51', 'IPv6 tries vrrp6 first');
  const taken6 = new Set(['vrrp.7', 'vrrp6.7', 'vrrp1.7', 'vrrp2.7', 'vrrp3.7', 'vrrp4.7', 'vrrp5.7']);
  t.equal(vmacNameFor('vrrp', 7, 'inet6', (n) => taken6.has(n)), 'vrrp7.7', 'and skips 6 when counting on');
  t.equal(vmacNameFor('averyveryverylongprefix', 200, 'inet', () => false), 'averyveryve.200', 'the prefix is cut to fit IFNAMSIZ');
  t.equal(vmacNameFor('averyveryverylongprefix', 200, 'inet', () => false).length, 15);
});

t.test('linkLocalFromMac: EUI-64 with the U/L bit flipped', async (t) => {
  t.equal(linkLocalFromMac('92:2e:a7:80:55:84'), 'fe80::902e:a7ff:fe80:5584');
  t.equal(linkLocalFromMac('00:00:5e:00:01:33'), 'fe80::200:5eff:fe00:133');
});

/** A use_vmac instance as the configuration builder makes it, with fields overridden. */
const base: VrrpInstance = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'vmac-unit-'));
  try {
    const f = join(dir, 'k.conf');
    writeFileSync(f, 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n use_vmac\n virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n');
    return buildConfig(readConfigTree(f, { configId: 'x' }).tree, { interfaceExists: () => true }).config.vrrpInstances[0]!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();
function instance(over: Partial<VrrpInstance>): VrrpInstance {
  const v6 = over.family === 'inet6';
  return {
    ...base, ...(v6 ? { virtualIpaddress: [{ ...base.virtualIpaddress[0]!, address: '2001:db8::100', prefixLength: 64, family: 'inet6' as const }] } : {}),
    ...over,
  };
}

interface Calls {
  rtnl: string[];
  sysctl: string[];
}

function fixture(sys: Record<string, string>, links: InterfaceInfo[] = []) {
  const calls: Calls = { rtnl: [], sysctl: [] };
  const all: InterfaceInfo[] = [
    { ifindex: 2, name: 'eth0', flags: 1, operState: 'UP', mac: '92:2e:a7:80:55:84', mtu: 1500, deviceType: 1 },
    ...links,
  ];
  const table = {
    links: () => all,
    link: (i: number) => all.find((l) => l.ifindex === i),
    linkByName: (n: string) => all.find((l) => l.name === n),
    addresses: () => [{ family: 10, ifindex: 2, address: 'fe80::902e:a7ff:fe80:5584', prefixLen: 64, flags: 0, scope: 253 }],
  } as unknown as InterfaceTable;
  let next = 10;
  const rtnl = {
    createMacvlan: async (spec: { parent: number; name: string; mode: string; mac: string }) => {
      calls.rtnl.push(`create ${spec.name} on ${spec.parent} ${spec.mode} ${spec.mac}`);
      const l: InterfaceInfo = { ifindex: next++, name: spec.name, flags: 0, operState: 'DOWN', mac: spec.mac, mtu: 1500, deviceType: 1, link: spec.parent, kind: 'macvlan', macvlanMode: 'private' };
      all.push(l);
      return l;
    },
    deleteLink: async (i: number) => {
      calls.rtnl.push(`delete ${i}`);
    },
    setLinkAddrGenMode: async (i: number, m: string) => {
      calls.rtnl.push(`addrgenmode ${i} ${m}`);
    },
    setLinkUp: async (i: number) => {
      calls.rtnl.push(`up ${i}`);
    },
    addAddress: async (spec: { address: string; dev: number; nodad?: boolean; preferredLifetime?: number }) => {
      calls.rtnl.push(`addr ${spec.address} dev ${spec.dev} nodad=${spec.nodad} preferred=${spec.preferredLifetime}`);
    },
  } as unknown as Rtnetlink;
  const sysctl: SysctlIo = {
    read: async (p) => sys[p],
    write: async (p, v) => {
      calls.sysctl.push(`${p}=${v}`);
      sys[p] = v;
    },
  };
  const logs: string[] = [];
  return { calls, sys, logs, mgr: new VmacManager(rtnl, table, { info: (l) => logs.push(l) }, true, 'vrrp', sysctl) };
}

t.test('an IPv4 VMAC: created, sysctls as keepalived, base ARP put back at release', async (t) => {
  const f = fixture({ 'net/ipv4/conf/all/rp_filter': '0', 'net/ipv4/conf/eth0/arp_ignore': '0', 'net/ipv4/conf/eth0/arp_filter': '0' });
  const cfg = instance({});
  t.equal(await f.mgr.ensure(cfg, new Set()), 'vrrp.51');
  t.same(f.calls.rtnl, ['create vrrp.51 on 2 private 00:00:5e:00:01:33', 'addrgenmode 10 none', 'up 10'], 'no link-local on an IPv4 VMAC');
  t.same(f.calls.sysctl, [
    'net/ipv4/conf/vrrp.51/arp_ignore=1', 'net/ipv4/conf/vrrp.51/accept_local=1', 'net/ipv4/conf/vrrp.51/rp_filter=0',
    'net/ipv4/conf/vrrp.51/promote_secondaries=1', 'net/ipv4/conf/eth0/arp_ignore=1', 'net/ipv4/conf/eth0/arp_filter=1',
    'net/ipv6/conf/vrrp.51/disable_ipv6=1',
  ]);
  t.same(f.logs, ['(VI_1): Success creating VMAC interface vrrp.51']);
  t.equal(f.mgr.linkOf(cfg)?.created, true);
  f.calls.sysctl.length = 0;
  await f.mgr.release(cfg);
  t.same(f.calls.rtnl.slice(-1), ['delete 10']);
  t.same(f.calls.sysctl, ['net/ipv4/conf/eth0/arp_ignore=0', 'net/ipv4/conf/eth0/arp_filter=0'], 'what we changed on eth0 goes back');
  t.equal(f.mgr.linkOf(cfg), undefined);
});

t.test('all.rp_filter: raised elsewhere first, cleared, and restored when the last IPv4 VMAC goes', async (t) => {
  const f = fixture({
    'net/ipv4/conf/all/rp_filter': '2', 'net/ipv4/conf/default/rp_filter': '1', 'net/ipv4/conf/eth0/rp_filter': '0',
    'net/ipv4/conf/eth0/arp_ignore': '1', 'net/ipv4/conf/eth0/arp_filter': '1',
  });
  const cfg = instance({});
  await f.mgr.ensure(cfg, new Set());
  t.same(f.calls.sysctl.slice(0, 3), ['net/ipv4/conf/default/rp_filter=2', 'net/ipv4/conf/eth0/rp_filter=2', 'net/ipv4/conf/all/rp_filter=0']);
  t.same(f.logs.slice(1, 3), [
    'NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from 1 to 2',
    'NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from 2 to 0',
  ]);
  t.notOk(f.calls.sysctl.some((c) => c.startsWith('net/ipv4/conf/eth0/arp_')), 'arp_ignore/arp_filter already 1 on eth0: left alone');
  f.calls.sysctl.length = 0;
  await f.mgr.releaseAll();
  t.same(f.calls.sysctl, ['net/ipv4/conf/all/rp_filter=2', 'net/ipv4/conf/default/rp_filter=1', 'net/ipv4/conf/eth0/rp_filter=0']);
});

t.test('an IPv6 VMAC gets the base\'s link-local (nodad, deprecated); vmac_xmit_base gets none', async (t) => {
  const f = fixture({});
  const cfg = instance({ name: 'VI_6', family: 'inet6', virtualRouterId: 52 });
  t.equal(await f.mgr.ensure(cfg, new Set()), 'vrrp.52');
  t.same(f.calls.rtnl, ['create vrrp.52 on 2 private 00:00:5e:00:02:34', 'addrgenmode 10 none', 'up 10',
    'addr fe80::902e:a7ff:fe80:5584 dev 10 nodad=true preferred=0']);
  t.same(f.calls.sysctl, ['net/ipv6/conf/vrrp.52/disable_ipv6=0'], 'no IPv4 sysctls for an IPv6 instance');
  const g = fixture({});
  await g.mgr.ensure(instance({ name: 'VI_6', family: 'inet6', virtualRouterId: 52, vmacXmitBase: true }), new Set());
  t.notOk(g.calls.rtnl.some((c) => c.startsWith('addr ')), 'adverts leave from the base: the VMAC needs no link-local');
});

t.test('an existing matching macvlan is adopted, a foreign name is not reused', async (t) => {
  const existing: InterfaceInfo = { ifindex: 7, name: 'vrrp.51', flags: 1, operState: 'UP', mac: '00:00:5e:00:01:33', mtu: 1500, deviceType: 1, link: 2, kind: 'macvlan', macvlanMode: 'private' };
  const f = fixture({ 'net/ipv4/conf/all/rp_filter': '0' }, [existing]);
  const cfg = instance({});
  t.equal(await f.mgr.ensure(cfg, new Set()), 'vrrp.51');
  t.same(f.logs, ['(VI_1) Found matching interface vrrp.51']);
  t.notOk(f.calls.rtnl.some((c) => c.startsWith('create')), 'nothing created');
  t.equal(f.mgr.linkOf(cfg)?.created, false, 'adopted: its VIPs are released at start as on any existing interface');
  const dummy: InterfaceInfo = { ifindex: 8, name: 'vrrp.52', flags: 1, operState: 'UP', mac: '02:00:00:00:00:01', mtu: 1500, deviceType: 1, kind: 'dummy' };
  const g = fixture({ 'net/ipv4/conf/all/rp_filter': '0' }, [dummy]);
  t.equal(await g.mgr.ensure(instance({ virtualRouterId: 52 }), new Set()), 'vrrp1.52', 'vrrp.52 is someone else\'s: the next free name');
  const h = fixture({ 'net/ipv4/conf/all/rp_filter': '0' }, [dummy]);
  t.equal(await h.mgr.ensure(instance({ virtualRouterId: 52, vmacInterfaceName: 'vrrp.52' }), new Set()), 'vrrp1.52');
  t.match(h.logs[0], /VMAC interface name vrrp\.52 already exists as a non VMAC interface\. ignoring configured name/);
});

t.test('a failed create is logged and leaves the instance on its base interface', async (t) => {
  const f = fixture({});
  (f.mgr as unknown as { rtnl: { createMacvlan: () => Promise<never> } }).rtnl.createMacvlan = async () => {
    throw Object.assign(new Error('Operation not permitted'), { code: 'EPERM' });
  };
  t.equal(await f.mgr.ensure(instance({}), new Set()), undefined);
  t.same(f.logs, ['(VI_1): Unable to create VMAC interface vrrp.51 (Operation not permitted)']);
});
