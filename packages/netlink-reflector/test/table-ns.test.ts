// Root tests: the live table follows changes made with `ip`, and recovers
// every address after the monitor socket overflows.
import t from 'tap';
import { AF_INET, loadNative } from '@keepalived-ts/native';
import { InterfaceTable, type AddressInfo, type InterfaceInfo, type Logger } from '../src/rtnetlink/index.js';
import { createTestNs, isRoot, waitFor } from './fixtures/rtnetlink/netns.js';

interface IpLink { ifname: string; ifindex: number; address: string; mtu: number; operstate: string }

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (s) => lines.push(`info ${s}`), warn: (s) => lines.push(`warn ${s}`),
    error: (s) => lines.push(`error ${s}`), debug: () => {} };
}

if (!isRoot()) {
  t.plan(0, 'needs root for network namespaces');
} else {
  const native = loadNative();

  t.test('table matches ip after the initial dump and follows ip changes', async (t) => {
    const ns = createTestNs(native, 'nlrtab');
    t.teardown(() => ns.destroy());
    ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    ns.ip('link', 'set', 'eth0', 'up');
    ns.ip('addr', 'add', '192.0.2.1/24', 'dev', 'eth0');
    const table = await ns.enter(() => InterfaceTable.open({ native }));
    t.teardown(() => table.close());

    const ipLinks = ns.ipJson<IpLink[]>('link', 'show');
    t.same(table.links().map((l) => l.name).sort(), ipLinks.map((l) => l.ifname).sort());
    for (const l of ipLinks) {
      const ours = table.link(l.ifindex)!;
      t.equal(ours.name, l.ifname);
      t.equal(ours.mac, l.address);
      t.equal(ours.mtu, l.mtu);
    }
    const eth0 = table.linkByName('eth0')!;
    t.equal(eth0.kind, 'veth');
    t.ok(table.hasAddress(eth0.ifindex, '192.0.2.1'));

    const added: AddressInfo[] = [];
    const removed: AddressInfo[] = [];
    const linksAdded: InterfaceInfo[] = [];
    const linksRemoved: InterfaceInfo[] = [];
    const changed: Array<[InterfaceInfo, InterfaceInfo]> = [];
    const routes: string[] = [];
    const rules: number[] = [];
    table.on('addressAdded', (a) => added.push(a));
    table.on('addressRemoved', (a) => removed.push(a));
    table.on('linkAdded', (l) => linksAdded.push(l));
    table.on('linkRemoved', (l) => linksRemoved.push(l));
    table.on('linkChanged', (l, p) => changed.push([l, p]));
    table.on('routeAdded', (r) => routes.push(`+${r.dst}/${r.dstLen}`));
    table.on('routeRemoved', (r) => routes.push(`-${r.dst}/${r.dstLen}`));
    table.on('ruleAdded', (r) => rules.push(r.priority ?? -1));

    ns.ip('addr', 'add', '192.0.2.20/24', 'dev', 'eth0', 'label', 'eth0:5');
    const vip = await waitFor('addressAdded 192.0.2.20', () => added.find((a) => a.address === '192.0.2.20'));
    t.match(vip, { family: AF_INET, ifindex: eth0.ifindex, prefixLen: 24, label: 'eth0:5' });
    t.ok(table.hasAddress(eth0.ifindex, '192.0.2.20'));

    ns.ip('link', 'add', 'vm2', 'link', 'eth0', 'address', '00:00:5e:00:01:02', 'type', 'macvlan', 'mode', 'bridge');
    const vm2 = await waitFor('linkAdded vm2', () => linksAdded.find((l) => l.name === 'vm2'));
    t.match(vm2, { kind: 'macvlan', macvlanMode: 'bridge', link: eth0.ifindex, mac: '00:00:5e:00:01:02' });
    ns.ip('link', 'set', 'vm2', 'mtu', '1400');
    await waitFor('linkChanged vm2 mtu', () => changed.find(([l]) => l.name === 'vm2' && l.mtu === 1400));
    ns.ip('addr', 'add', '198.51.100.1/32', 'dev', 'vm2');
    await waitFor('address on vm2', () => added.find((a) => a.address === '198.51.100.1'));
    ns.ip('link', 'del', 'vm2');
    await waitFor('linkRemoved vm2', () => linksRemoved.find((l) => l.ifindex === vm2.ifindex));
    t.equal(table.link(vm2.ifindex), undefined);
    t.ok(removed.some((a) => a.address === '198.51.100.1'), 'addresses of a deleted link are removed');
    t.notOk(table.hasAddress(vm2.ifindex, '198.51.100.1'));

    ns.ip('route', 'add', '198.51.100.0/24', 'via', '192.0.2.254', 'table', '100');
    await waitFor('routeAdded', () => routes.includes('+198.51.100.0/24'));
    ns.ip('route', 'del', '198.51.100.0/24', 'table', '100');
    await waitFor('routeRemoved', () => routes.includes('-198.51.100.0/24'));
    ns.ip('rule', 'add', 'from', '192.0.2.20', 'table', '100', 'prio', '77');
    await waitFor('ruleAdded', () => rules.includes(77));

    ns.ip('addr', 'del', '192.0.2.20/24', 'dev', 'eth0');
    await waitFor('addressRemoved 192.0.2.20', () => removed.find((a) => a.address === '192.0.2.20'));
    t.notOk(table.hasAddress(eth0.ifindex, '192.0.2.20'));
  });

  t.test('monitor overflow (ENOBUFS): re-dump recovers every address and reports the diff', async (t) => {
    const ns = createTestNs(native, 'nlrovf');
    t.teardown(() => ns.destroy());
    ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    ns.ip('link', 'set', 'eth0', 'up');
    const logger = recordingLogger();
    // The smallest receive buffer the kernel allows: a burst cannot fit.
    const table = await ns.enter(() => InterfaceTable.open({ native, logger, monitor: { rcvbuf: 1 } }));
    t.teardown(() => table.close());
    const eth0 = table.linkByName('eth0')!;
    const seen = new Set<string>();
    table.on('addressAdded', (a) => seen.add(a.address));
    table.on('addressRemoved', (a) => seen.delete(a.address));
    let resyncs = 0;
    table.on('resynced', () => resyncs++);

    const count = 400;
    const vips = Array.from({ length: count }, (_, i) => `192.0.2.${(i % 250) + 1}/32`)
      .map((a, i) => (i < 250 ? a : `198.51.100.${i - 249}/32`));
    // Synchronous: the event loop cannot read while ip adds them, so the socket overflows.
    ns.ipBatch(vips.map((v) => `addr add ${v} dev eth0`));
    await waitFor('resync after overflow', () => resyncs > 0 && table.addresses({ ifindex: eth0.ifindex,
      family: AF_INET }).length === count, 10000);
    t.ok(logger.lines.some((l) => l.includes('ENOBUFS')), 'overflow was detected and logged');
    const inTable = new Set(table.addresses({ ifindex: eth0.ifindex, family: AF_INET }).map((a) => `${a.address}/32`));
    t.same([...inTable].sort(), [...vips].sort(), 'table holds every address');
    t.equal(vips.filter((v) => !seen.has(v.slice(0, -3))).length, 0, 'an addressAdded event for every address');

    const before = resyncs;
    ns.ipBatch(vips.map((v) => `addr del ${v} dev eth0`));
    await waitFor('all removed', () => table.addresses({ ifindex: eth0.ifindex, family: AF_INET }).length === 0
      && vips.every((v) => !seen.has(v.slice(0, -3))), 10000);
    t.ok(resyncs > before, 'the removal burst overflowed too and was recovered by re-dump');
  });
}
