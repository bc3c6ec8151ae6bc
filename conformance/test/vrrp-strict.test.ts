/**
 * vrrp_strict (no accept mode) in namespaces, our daemon next to Debian's keepalived 2.2.7:
 * while master, a non-owner drops traffic to and from its VIPs (RFC 3768 / 5798), through the
 * same nftables table keepalived builds (the same `nft list ruleset`, IPv4 and IPv6 with a
 * link-local VIP); VRRP itself and IPv6 neighbour discovery still work; leaving master empties
 * the sets, stopping removes the table.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { isRoot } from '../lib/netns.js';
import { refKeepalived } from '../lib/paths.js';
import { masterDownMs, VrrpLab } from '../lib/vrrp-lab.js';

function pings(lab: VrrpLab, node: string, address: string): boolean {
  try {
    lab.exec(node, ['ping', '-c', '1', '-W', '1', address]);
    return true;
  } catch {
    return false;
  }
}

if (!isRoot() || !existsSync(refKeepalived)) {
  t.fail('the vrrp_strict interop test needs root and Debian keepalived 2.2.7 (make deps installs it)');
} else {
  t.setTimeout(5 * 60_000);
  const downMs = masterDownMs(3, 200, 100);

  t.test('IPv4: master ours, backup keepalived', { timeout: 120_000 }, async (t) => {
    const lab = new VrrpLab('kst');
    t.teardown(() => lab.destroy());
    const opts = { version: 3 as const, advertInt: '0.2', strict: true, vip: '192.0.2.200/24' };
    const r1 = lab.start('r1', 'ours', lab.writeConfig('r1', { ...opts, priority: 150 }));
    const r2 = lab.start('r2', 'keepalived', lab.writeConfig('r2', { ...opts, priority: 100 }));
    t.ok(await lab.waitFor(() => lab.holds('r1', '192.0.2.200'), 10 * downMs + 5000) >= 0, 'our master holds the VIP', { output: r1.output() });
    await lab.waitFor(() => lab.exec('r1', ['nft', 'list', 'ruleset']).includes('192.0.2.200'), 2000);
    const ours = lab.exec('r1', ['nft', 'list', 'ruleset']);
    t.match(ours, /ip daddr @vips drop/, 'the input drop rule');
    t.notOk(pings(lab, 'cl', '192.0.2.200'), 'the VIP does not answer (no accept mode)');
    t.ok(pings(lab, 'cl', '192.0.2.1'), 'the router\'s own address does');

    t.equal(await lab.stop(r1), 0, 'our daemon stops');
    t.equal(lab.exec('r1', ['nft', 'list', 'ruleset']), '', 'its table is gone');
    t.ok(await lab.waitFor(() => lab.holds('r2', '192.0.2.200'), 3 * downMs + 2000) >= 0, 'keepalived takes over', { output: r2.output() });
    await lab.waitFor(() => lab.exec('r2', ['nft', 'list', 'ruleset']).includes('192.0.2.200'), 2000);
    t.equal(lab.exec('r2', ['nft', 'list', 'ruleset']), ours, 'keepalived\'s master has exactly the table ours had');
    t.notOk(pings(lab, 'cl', '192.0.2.200'), 'and its VIP does not answer either');
  });

  t.test('IPv6 with a link-local VIP: master keepalived, backup ours, then ours master', { timeout: 120_000 }, async (t) => {
    const lab = new VrrpLab('kst6');
    t.teardown(() => lab.destroy());
    const opts = { version: 3 as const, advertInt: '0.2', strict: true, family: 'inet6' as const, vip: 'fe80::200/64', extraVips: ['2001:db8::200/64'] };
    const r1 = lab.start('r1', 'keepalived', lab.writeConfig('r1', { ...opts, priority: 150 }));
    const r2 = lab.start('r2', 'ours', lab.writeConfig('r2', { ...opts, priority: 100 }));
    t.ok(await lab.waitFor(() => lab.holds('r1', '2001:db8::200'), 10 * downMs + 5000) >= 0, 'keepalived\'s master holds the VIPs', { output: r1.output() });
    await lab.waitFor(() => lab.exec('r1', ['nft', 'list', 'ruleset']).includes('2001:db8::200'), 2000);
    const theirs = lab.exec('r1', ['nft', 'list', 'ruleset']);
    t.equal(lab.exec('r2', ['nft', 'list', 'ruleset']), '', 'our backup has no table yet (as keepalived\'s backup would not)');

    t.equal(await lab.stop(r1), 0, 'keepalived stops');
    t.ok(await lab.waitFor(() => lab.holds('r2', '2001:db8::200'), 3 * downMs + 2000) >= 0, 'our backup takes over', { output: r2.output() });
    await lab.waitFor(() => lab.exec('r2', ['nft', 'list', 'ruleset']).includes('2001:db8::200'), 2000);
    t.equal(lab.exec('r2', ['nft', 'list', 'ruleset']), theirs, 'our master has exactly the table keepalived\'s had (vips, vips_link_local, neighbour discovery)');
    t.notOk(pings(lab, 'cl', '2001:db8::200'), 'the VIP does not answer');
    t.ok(pings(lab, 'cl', '2001:db8::2'), 'the router\'s own address does (neighbour discovery still works)');
    t.equal(await lab.stop(r2), 0, 'our daemon stops');
    t.equal(lab.exec('r2', ['nft', 'list', 'ruleset']), '', 'its table is gone');
  });
}
