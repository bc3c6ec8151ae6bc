/**
 * use_vmac in namespaces, our daemon next to Debian's keepalived 2.2.7 (both
 * with use_vmac, in one group): each side builds the same vrrp.VRID macvlan
 * (virtual MAC, private mode, no generated link-local, the same sysctls on it
 * and on its base), the master's VIP lives on that macvlan, adverts and
 * GARPs/NAs leave with the virtual MAC, and a failover moves the MAC with the
 * address, so the client's neighbour entry never changes. At stop our VMAC
 * goes and the base's ARP settings come back.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { isRoot } from '../lib/netns.js';
import { refKeepalived } from '../lib/paths.js';
import { masterDownMs, VrrpLab, type Impl } from '../lib/vrrp-lab.js';

const VRID = 51;
const V4_VMAC = '00:00:5e:00:01:33';
const V6_VMAC = '00:00:5e:00:02:33';
const VMAC_DEV = `vrrp.${VRID}`;

/** What keepalived sets up on a VMAC, as `ip -d -j link` shows it. */
function vmacShape(link: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (link === undefined) return undefined;
  const info = link['linkinfo'] as { info_kind?: string; info_data?: { mode?: string } } | undefined;
  return {
    address: link['address'], kind: info?.info_kind, mode: info?.info_data?.mode,
    addrgenmode: link['inet6_addr_gen_mode'], up: (link['flags'] as string[]).includes('UP'), link: link['link'],
  };
}

function sysctls(lab: VrrpLab, node: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const dev of ['eth0', VMAC_DEV]) {
    for (const key of ['arp_ignore', 'arp_filter', 'rp_filter', 'accept_local', 'promote_secondaries']) {
      out[`ipv4.${dev}.${key}`] = lab.sysctl(node, `net/ipv4/conf/${dev}/${key}`);
    }
    out[`ipv6.${dev}.disable_ipv6`] = lab.sysctl(node, `net/ipv6/conf/${dev}/disable_ipv6`);
  }
  return out;
}

/** The link-local addresses of a device with their flags (nodad, deprecated), the address masked where asked. */
function linkLocals(lab: VrrpLab, node: string, dev: string): string[] {
  const out = lab.exec(node, ['ip', '-6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link']);
  return out.split('\n').filter(Boolean).map((l) => l.replace(/^\d+: \S+\s+/, '').replace(/\\.*$/, '').trim());
}

if (!isRoot() || !existsSync(refKeepalived)) {
  t.fail('the VMAC interop test needs root and Debian keepalived 2.2.7 (make deps installs it)');
} else {
  t.setTimeout(5 * 60_000);

  t.test('IPv4 VMAC: master ours, backup keepalived', { timeout: 120_000 }, async (t) => {
    const lab = new VrrpLab('kvm');
    t.teardown(() => lab.destroy());
    const opts = { version: 3 as const, advertInt: '0.2', useVmac: true, vrid: VRID, vip: '192.0.2.200/24' };
    const cap = lab.tcpdump('cl', ['vrrp', 'or', 'arp', 'or', 'igmp']);
    const r1 = lab.start('r1', 'ours', lab.writeConfig('r1', { ...opts, priority: 150 }));
    const r2 = lab.start('r2', 'keepalived', lab.writeConfig('r2', { ...opts, priority: 100 }));
    const downMs = masterDownMs(3, 200, 100);
    const up = await lab.waitFor(() => lab.holds('r1', '192.0.2.200', VMAC_DEV), 10 * downMs + 5000);
    t.ok(up >= 0, 'our master holds the VIP on its VMAC', { output: r1.output() });
    t.notOk(lab.holds('r1', '192.0.2.200'), 'and not on eth0');
    t.ok(await lab.waitFor(() => lab.linkDetails('r2', VMAC_DEV) !== undefined, 5000) >= 0, 'keepalived\'s backup made its VMAC', { output: r2.output() });

    const ours = vmacShape(lab.linkDetails('r1', VMAC_DEV));
    t.match(ours, { address: V4_VMAC, kind: 'macvlan', mode: 'private', addrgenmode: 'none', up: true, link: 'eth0' },
      'our VMAC: virtual MAC, private macvlan on eth0, no generated link-local, up');
    t.same(ours, vmacShape(lab.linkDetails('r2', VMAC_DEV)), 'the same VMAC as keepalived\'s');
    t.same(sysctls(lab, 'r1'), sysctls(lab, 'r2'), 'the same sysctls on the VMAC and its base as keepalived sets');
    t.equal(lab.sysctl('r1', `net/ipv4/conf/${VMAC_DEV}/arp_ignore`), '1', '(arp_ignore 1 on the VMAC)');
    const rules = lab.exec('r1', ['nft', 'list', 'ruleset']);
    t.match(rules, /ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop/, 'our IGMP rule for VMACs');
    t.equal(rules, lab.exec('r2', ['nft', 'list', 'ruleset']), 'the same nftables table as keepalived\'s, element for element');

    // (the master's own ARP request for the client then goes out of eth0 "tell 192.0.2.200", so the
    // client's cache ends on eth0's MAC - keepalived 2.2.7 does the same; only the replies are asserted)
    lab.exec('cl', ['ping', '-c', '1', '-W', '2', '192.0.2.200']);

    t.equal(await lab.stop(r1), 0, 'our daemon stops cleanly');
    const took = await lab.waitFor(() => lab.holds('r2', '192.0.2.200', VMAC_DEV), 3 * downMs + 2000);
    t.ok(took >= 0, `keepalived takes the VIP over on its VMAC (${Math.round(took)} ms after our stop)`);
    t.equal(lab.linkDetails('r1', VMAC_DEV), undefined, 'our VMAC is removed at stop');
    t.equal(lab.exec('r1', ['nft', 'list', 'ruleset']), '', 'and our nftables table with it');
    t.same([lab.sysctl('r1', 'net/ipv4/conf/eth0/arp_ignore'), lab.sysctl('r1', 'net/ipv4/conf/eth0/arp_filter')], ['0', '0'],
      'eth0\'s arp_ignore / arp_filter are put back (keepalived 2.2.7 leaves them at 1)');
    lab.exec('cl', ['ip', 'neigh', 'flush', 'all']);
    lab.exec('cl', ['ping', '-c', '1', '-W', '2', '192.0.2.200']);

    await cap.stop();
    const frames = cap.output().split('\n');
    const ourAdverts = frames.filter((l) => / 192\.0\.2\.1 > 224\.0\.0\.18: VRRPv3/.test(l));
    t.ok(ourAdverts.length > 0 && ourAdverts.every((l) => l.startsWith(`${V4_VMAC} > 01:00:5e:00:00:12`) || l.includes(` ${V4_VMAC} > 01:00:5e:00:00:12`)),
      'our adverts leave with the virtual MAC', { sample: ourAdverts.slice(0, 3) });
    const replies = frames.filter((l) => /Reply 192\.0\.2\.200 is-at /.test(l));
    t.equal(replies.length, 2, 'the client asked for the VIP before and after the failover', { replies });
    t.ok(replies.every((l) => l.includes(`Reply 192.0.2.200 is-at ${V4_VMAC}`)), 'both times the VIP answered with the same virtual MAC', { replies });
    // a backup's (or master's) VMAC joining 224.0.0.18 must not announce the virtual MAC to the switches
    const igmp = frames.filter((l) => /igmp/.test(l));
    t.ok(igmp.length > 0, 'IGMP reports were seen (the VMACs joined 224.0.0.18)', { igmp: igmp.slice(0, 4) });
    t.notOk(igmp.some((l) => l.startsWith(V4_VMAC) || l.includes(` ${V4_VMAC} >`)), 'none leaves with the virtual MAC: the rule sends them from eth0',
      { igmp: igmp.slice(0, 6) });
    const garps = frames.filter((l) => /Request who-has 192\.0\.2\.200 \(ff:ff:ff:ff:ff:ff\) tell 192\.0\.2\.200/.test(l));
    t.ok(garps.length >= 2 && garps.every((l) => l.includes(`${V4_VMAC} > ff:ff:ff:ff:ff:ff`)), 'every GARP (ours and keepalived\'s) is from the virtual MAC',
      { sample: garps.slice(0, 3) });
  });

  t.test('IPv6 VMAC: master keepalived, backup ours', { timeout: 120_000 }, async (t) => {
    const lab = new VrrpLab('kvm6');
    t.teardown(() => lab.destroy());
    const opts = { version: 3 as const, advertInt: '0.2', useVmac: true, vrid: VRID, family: 'inet6' as const, vip: '2001:db8::200/64' };
    const cap = lab.tcpdump('cl', ['icmp6', 'and', '(ip6[40] == 136 or ip6[48] == 143 or ip6[40] == 133)']);
    const impl: Record<'r1' | 'r2', Impl> = { r1: 'keepalived', r2: 'ours' };
    const r1 = lab.start('r1', impl.r1, lab.writeConfig('r1', { ...opts, priority: 150 }));
    const r2 = lab.start('r2', impl.r2, lab.writeConfig('r2', { ...opts, priority: 100 }));
    const downMs = masterDownMs(3, 200, 100);
    t.ok(await lab.waitFor(() => lab.holds('r1', '2001:db8::200', VMAC_DEV), 10 * downMs + 5000) >= 0, 'keepalived\'s master holds the VIP on its VMAC',
      { output: r1.output() });
    t.ok(await lab.waitFor(() => lab.linkDetails('r2', VMAC_DEV) !== undefined, 5000) >= 0, 'our backup made its VMAC', { output: r2.output() });
    await lab.waitFor(() => linkLocals(lab, 'r2', VMAC_DEV).length > 0, 2000);

    const ours = vmacShape(lab.linkDetails('r2', VMAC_DEV));
    t.match(ours, { address: V6_VMAC, kind: 'macvlan', mode: 'private', addrgenmode: 'none', up: true }, 'our IPv6 VMAC');
    t.same(ours, vmacShape(lab.linkDetails('r1', VMAC_DEV)), 'the same VMAC as keepalived\'s');
    t.same(sysctls(lab, 'r2'), sysctls(lab, 'r1'), 'the same sysctls as keepalived sets');
    const base = (node: string) => linkLocals(lab, node, 'eth0')[0]?.split(' ')[1];
    const mask = (node: string) => linkLocals(lab, node, VMAC_DEV).map((l) => l.replace(base(node) ?? '-', 'BASE-LL'));
    t.same(mask('r2'), mask('r1'), 'the VMAC carries its base\'s link-local with keepalived\'s flags');
    t.match(mask('r2'), [/BASE-LL scope link nodad deprecated/], '(nodad, deprecated)');
    t.notOk(lab.holds('r2', '2001:db8::200', VMAC_DEV), 'our backup holds no VIP');
    t.equal(lab.exec('r2', ['nft', 'list', 'ruleset']), lab.exec('r1', ['nft', 'list', 'ruleset']), 'the same nftables table as keepalived\'s (MLD and RS rules)');

    t.equal(await lab.stop(r1), 0, 'keepalived stops');
    const took = await lab.waitFor(() => lab.holds('r2', '2001:db8::200', VMAC_DEV), 3 * downMs + 2000);
    t.ok(took >= 0, `our backup takes over on its VMAC (${Math.round(took)} ms)`, { output: r2.output() });
    await lab.waitFor(() => cap.output().includes(`${V6_VMAC} > 33:33:00:00:00:01`), 2000);
    t.equal(await lab.stop(r2), 0, 'our daemon stops cleanly');
    t.equal(lab.linkDetails('r2', VMAC_DEV), undefined, 'our VMAC is removed at stop');
    t.equal(lab.exec('r2', ['nft', 'list', 'ruleset']), '', 'and our nftables table with it');
    await cap.stop();
    const fromVmac = cap.output().split('\n').filter((l) => l.includes(`${V6_VMAC} >`) && !/neighbor advertisement/.test(l));
    t.same(fromVmac, [], 'no MLD report or router solicitation leaves with the virtual MAC');
    const nas = cap.output().split('\n').filter((l) => /neighbor advertisement, tgt is 2001:db8::200/.test(l));
    t.ok(nas.length > 0 && nas.every((l) => l.includes(`${V6_VMAC} > 33:33:00:00:00:01`)), 'every unsolicited NA is from the virtual MAC',
      { sample: nas.slice(0, 4) });
  });
}
