// Root tests in a namespace this test creates and deletes: our API against `ip -j`.
import t from 'tap';
import { AF_INET, AF_INET6, loadNative } from '@keepalived-ts/native';
import { Rtnetlink, NetlinkError, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFF_UP } from '../src/rtnetlink/index.js';
import { createTestNs, isRoot } from './fixtures/rtnetlink/netns.js';

interface IpAddr { ifname: string; addr_info: Array<Record<string, unknown>> }
interface IpLink { ifname: string; ifindex: number; address: string; mtu: number; flags: string[]; link?: string;
  linkinfo?: { info_kind: string; info_data?: { mode?: string } } }

if (!isRoot()) {
  t.plan(0, 'needs root for network namespaces');
} else {
  const native = loadNative();
  const ns = createTestNs(native, 'nlrapi');
  t.teardown(() => ns.destroy());
  ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
  ns.ip('link', 'set', 'eth0', 'up');
  ns.ip('link', 'set', 'eth1', 'up');
  const rt = ns.enter(() => new Rtnetlink({ native }));
  t.teardown(() => rt.close());

  t.test('getLink agrees with ip link; a missing interface is named in the error', async (t) => {
    const [ipEth0] = ns.ipJson<IpLink[]>('link', 'show', 'dev', 'eth0');
    const eth0 = await rt.getLink('eth0');
    t.equal(eth0.ifindex, ipEth0!.ifindex);
    t.equal(eth0.mac, ipEth0!.address);
    t.equal(eth0.mtu, ipEth0!.mtu);
    t.equal(eth0.kind, 'veth');
    t.equal((await rt.getLink(eth0.ifindex)).name, 'eth0');
    const err = await rt.getLink('nosuch0').catch((e: unknown) => e);
    t.type(err, NetlinkError);
    t.equal((err as NetlinkError).code, 'ENODEV');
    t.match((err as Error).message, /nosuch0/);
    const addErr = await rt.addAddress({ address: '192.0.2.99/24', dev: 'nosuch1' }).catch((e: unknown) => e);
    t.equal((addErr as NetlinkError).code, 'ENODEV');
    t.match((addErr as Error).message, /nosuch1/);
  });

  t.test('IPv4 VIP with label and broadcast; EEXIST and EADDRNOTAVAIL', async (t) => {
    await rt.addAddress({ address: '192.0.2.10/24', dev: 'eth0', label: 'eth0:2', broadcast: 'auto' });
    const [shown] = ns.ipJson<IpAddr[]>('-4', 'addr', 'show', 'dev', 'eth0');
    t.match(shown!.addr_info, [{ family: 'inet', local: '192.0.2.10', prefixlen: 24, label: 'eth0:2',
      broadcast: '192.0.2.255', scope: 'global' }]);
    const dup = await rt.addAddress({ address: '192.0.2.10/24', dev: 'eth0' }).catch((e: unknown) => e);
    t.equal((dup as NetlinkError).code, 'EEXIST');
    t.equal((dup as NetlinkError).syscall, 'RTM_NEWADDR');
    t.match((dup as Error).message, /add address 192\.0\.2\.10\/24 dev eth0/);
    // NLM_F_REPLACE on an existing IPv4 address succeeds and keeps a single entry.
    await rt.addAddress({ address: '192.0.2.10/24', dev: 'eth0', label: 'eth0:2' }, { replace: true });
    t.equal(ns.ipJson<IpAddr[]>('-4', 'addr', 'show', 'dev', 'eth0')[0]!.addr_info.length, 1, 'replace');
    await rt.addAddress({ address: '192.0.2.11', dev: 'eth0', scope: 'host' });
    const both = ns.ipJson<IpAddr[]>('-4', 'addr', 'show', 'dev', 'eth0')[0]!.addr_info;
    t.match(both.find((a) => a.local === '192.0.2.11'), { prefixlen: 32, scope: 'host' });
    const listed = await rt.listAddresses(AF_INET);
    t.ok(listed.some((a) => a.address === '192.0.2.11' && a.prefixLen === 32));
    await rt.removeAddress({ address: '192.0.2.10/24', dev: 'eth0' });
    await rt.removeAddress({ address: '192.0.2.11/32', dev: 'eth0' });
    t.same(ns.ipJson<IpAddr[]>('-4', 'addr', 'show', 'dev', 'eth0'), []);
    const gone = await rt.removeAddress({ address: '192.0.2.10/24', dev: 'eth0' }).catch((e: unknown) => e);
    t.equal((gone as NetlinkError).code, 'EADDRNOTAVAIL');
  });

  t.test('IPv6 VIP with nodad + noprefixroute as keepalived adds them', async (t) => {
    await rt.addAddress({ address: '2001:db8::10/64', dev: 'eth0', nodad: true, noprefixroute: true });
    const info = ns.ipJson<IpAddr[]>('-6', 'addr', 'show', 'dev', 'eth0')[0]!.addr_info;
    const vip = info.find((a) => a.local === '2001:db8::10');
    t.match(vip, { prefixlen: 64, nodad: true, noprefixroute: true });
    t.notOk(vip?.tentative, 'no DAD means never tentative');
    const ours = (await rt.listAddresses(AF_INET6)).find((a) => a.address === '2001:db8::10');
    t.equal(ours!.flags & (IFA_F_NODAD | IFA_F_NOPREFIXROUTE), IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
    t.notOk(ns.ip('-6', 'route', 'show', 'dev', 'eth0').includes('2001:db8::/64'), 'no prefix route');
    await rt.removeAddress({ address: '2001:db8::10/64', dev: 'eth0' });
    t.notOk(ns.ip('-6', 'addr', 'show', 'dev', 'eth0').includes('2001:db8::10'));
  });

  t.test('routes: add/remove in a table with gateway, metric, src; v6 too', async (t) => {
    await rt.addAddress({ address: '192.0.2.10/24', dev: 'eth0' });
    await rt.addRoute({ dst: '198.51.100.0/24', gateway: '192.0.2.1', dev: 'eth0', table: 100, metric: 5,
      prefsrc: '192.0.2.10' });
    t.same(ns.ipJson('route', 'show', 'table', '100'), [{ dst: '198.51.100.0/24', gateway: '192.0.2.1', dev: 'eth0',
      prefsrc: '192.0.2.10', metric: 5, flags: [] }]);
    const dup = await rt.addRoute({ dst: '198.51.100.0/24', gateway: '192.0.2.1', dev: 'eth0', table: 100, metric: 5 })
      .catch((e: unknown) => e);
    t.equal((dup as NetlinkError).code, 'EEXIST');
    await rt.addRoute({ dst: '198.51.100.128/25', dev: 'eth0', table: 1000 });
    t.match(ns.ipJson('route', 'show', 'table', '1000'), [{ dst: '198.51.100.128/25', dev: 'eth0', scope: 'link' }],
      'table id above 255');
    await rt.addRoute({ dst: 'default', gateway: '192.0.2.1', table: 100 });
    t.ok(ns.ipJson<Array<{ dst: string }>>('route', 'show', 'table', '100').some((r) => r.dst === 'default'));
    await rt.addRoute({ dst: '198.51.100.7', type: 'blackhole', table: 100 });
    t.ok(ns.ip('route', 'show', 'table', '100').includes('blackhole 198.51.100.7'));
    const routes = await rt.listRoutes(AF_INET);
    t.ok(routes.some((r) => r.table === 1000 && r.dst === '198.51.100.128' && r.dstLen === 25));
    await rt.removeRoute({ dst: '198.51.100.0/24', table: 100 });
    await rt.removeRoute({ dst: '198.51.100.128/25', table: 1000 });
    await rt.removeRoute({ dst: 'default', family: AF_INET, table: 100 });
    await rt.removeRoute({ dst: '198.51.100.7/32', table: 100 });
    t.same(ns.ipJson('route', 'show', 'table', '100'), []);
    const missing = await rt.removeRoute({ dst: '198.51.100.0/24', table: 100 }).catch((e: unknown) => e);
    t.equal((missing as NetlinkError).code, 'ESRCH');
    await rt.addAddress({ address: '2001:db8::10/64', dev: 'eth0', nodad: true });
    await rt.addRoute({ dst: '2001:db8:1::/48', gateway: '2001:db8::1', dev: 'eth0', table: 100 });
    t.match(ns.ipJson('-6', 'route', 'show', 'table', '100'), [{ dst: '2001:db8:1::/48', gateway: '2001:db8::1' }]);
    await rt.removeRoute({ dst: '2001:db8:1::/48', table: 100 });
    await rt.removeAddress({ address: '2001:db8::10/64', dev: 'eth0' });
    await rt.removeAddress({ address: '192.0.2.10/24', dev: 'eth0' });
  });

  t.test('rules: add/remove, shown by ip rule', async (t) => {
    await rt.addRule({ from: '192.0.2.10', table: 100, priority: 100 });
    await rt.addRule({ to: '198.51.100.0/24', fwmark: 7, fwmask: 0xff, table: 1000, priority: 101 });
    await rt.addRule({ family: AF_INET6, from: '2001:db8::/64', table: 100, priority: 102 });
    const rules = ns.ipJson<Array<Record<string, unknown>>>('rule', 'show');
    t.match(rules.find((r) => r.priority === 100), { src: '192.0.2.10', table: '100' });
    t.match(rules.find((r) => r.priority === 101), { dst: '198.51.100.0', dstlen: 24, fwmark: '0x7', fwmask: '0xff',
      table: '1000' });
    t.match(ns.ipJson<Array<Record<string, unknown>>>('-6', 'rule', 'show').find((r) => r.priority === 102),
      { src: '2001:db8::', srclen: 64, table: '100' });
    const listed = await rt.listRules(AF_INET);
    t.ok(listed.some((r) => r.priority === 101 && r.table === 1000 && r.fwmark === 7));
    const dup = await rt.addRule({ from: '192.0.2.10', table: 100, priority: 100 }).catch((e: unknown) => e);
    t.equal((dup as NetlinkError).code, 'EEXIST');
    await rt.removeRule({ from: '192.0.2.10', table: 100, priority: 100 });
    await rt.removeRule({ to: '198.51.100.0/24', fwmark: 7, fwmask: 0xff, table: 1000, priority: 101 });
    await rt.removeRule({ family: AF_INET6, from: '2001:db8::/64', table: 100, priority: 102 });
    const after = ns.ipJson<Array<{ priority: number }>>('rule', 'show').map((r) => r.priority);
    t.same(after, [0, 32766, 32767]);
  });

  t.test('macvlan VMAC interfaces: create private/bridge, set up, delete', async (t) => {
    const vm = await rt.createMacvlan({ parent: 'eth0', name: 'vrrp.7', mode: 'private', mac: '00:00:5e:00:01:07' });
    const [shown] = ns.ipJson<IpLink[]>('-d', 'link', 'show', 'dev', 'vrrp.7');
    t.equal(vm.ifindex, shown!.ifindex);
    t.equal(shown!.address, '00:00:5e:00:01:07');
    t.equal(shown!.link, 'eth0');
    t.same(shown!.linkinfo?.info_kind, 'macvlan');
    t.equal(shown!.linkinfo?.info_data?.mode, 'private');
    t.equal(vm.kind, 'macvlan');
    t.equal(vm.macvlanMode, 'private');
    await rt.setLinkUp('vrrp.7');
    t.ok(ns.ipJson<IpLink[]>('link', 'show', 'dev', 'vrrp.7')[0]!.flags.includes('UP'));
    t.ok(((await rt.getLink('vrrp.7')).flags & IFF_UP) !== 0);
    await rt.setLinkUp('vrrp.7', false);
    t.notOk(ns.ipJson<IpLink[]>('link', 'show', 'dev', 'vrrp.7')[0]!.flags.includes('UP'));
    const br = await rt.createMacvlan({ parent: vm.link ?? 'eth0', name: 'vrrp.8', mode: 'bridge' });
    t.equal(ns.ipJson<IpLink[]>('-d', 'link', 'show', 'dev', 'vrrp.8')[0]!.linkinfo?.info_data?.mode, 'bridge');
    await rt.setLinkAddress('vrrp.8', '00:00:5e:00:01:08');
    t.equal(ns.ipJson<IpLink[]>('link', 'show', 'dev', 'vrrp.8')[0]!.address, '00:00:5e:00:01:08');
    await rt.deleteLink('vrrp.7');
    await rt.deleteLink(br.ifindex);
    t.notOk(ns.ip('link', 'show').includes('vrrp.'));
    const err = await rt.createMacvlan({ parent: 'nosuch2', name: 'vrrp.9', mode: 'private' }).catch((e: unknown) => e);
    t.equal((err as NetlinkError).code, 'ENODEV');
    t.match((err as Error).message, /nosuch2/);
    const dupName = await rt.createMacvlan({ parent: 'eth0', name: 'eth1', mode: 'private' }).catch((e: unknown) => e);
    t.equal((dupName as NetlinkError).code, 'EEXIST');
  });
}
