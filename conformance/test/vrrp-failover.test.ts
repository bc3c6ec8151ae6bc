/**
 * VRRP failover in namespaces: our child against itself and against Debian's
 * keepalived 2.2.7, each side as master and as backup, for v2 PASS, v3 IPv4,
 * v3 IPv6 and v3 unicast. Asserts: one master holds the VIP, the other not;
 * never two holders in steady state or across a kill -9; the backup takes over
 * within 3x Master_Down_Interval after kill -9, and quickly after SIGTERM
 * (priority 0 advert); the restarted higher-priority node preempts.
 * Measured takeover times are printed (t.comment) for the report.
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { isRoot } from '../lib/netns.js';
import { refKeepalived } from '../lib/paths.js';
import { masterDownMs, VrrpLab, type Impl, type InstanceOptions } from '../lib/vrrp-lab.js';

if (!isRoot() || !existsSync(refKeepalived)) {
  t.fail('the interop suite needs root and Debian keepalived 2.2.7 (make deps installs it)');
} else {
  // 12 scenarios of several seconds each: far beyond the default file timeout.
  t.setTimeout(30 * 60_000);
  interface Variant {
    name: string;
    opts: Omit<InstanceOptions, 'priority'>;
    vip: string;
    advertIntMs: number;
    version: 2 | 3;
  }
  const variants: Variant[] = [
    { name: 'v2 PASS', opts: { version: 2, auth: true, advertInt: '1' }, vip: '192.0.2.200', advertIntMs: 1000, version: 2 },
    { name: 'v3 IPv4', opts: { version: 3, advertInt: '0.2' }, vip: '192.0.2.200', advertIntMs: 200, version: 3 },
    { name: 'v3 IPv6', opts: { version: 3, advertInt: '0.2', family: 'inet6' }, vip: '2001:db8::200', advertIntMs: 200, version: 3 },
    { name: 'v3 unicast', opts: { version: 3, advertInt: '0.2' }, vip: '192.0.2.200', advertIntMs: 200, version: 3 },
  ];
  const haveRef = existsSync(refKeepalived);
  const pairs: [Impl, Impl][] = [['ours', 'ours'], ...(haveRef ? ([['ours', 'keepalived'], ['keepalived', 'ours']] as [Impl, Impl][]) : [])];

  for (const v of variants) {
    for (const [masterImpl, backupImpl] of pairs) {
      const title = `${v.name}: master ${masterImpl}, backup ${backupImpl}`;
      // VRRP_FAILOVER_ONLY=substring runs a subset (debugging).
      if (process.env['VRRP_FAILOVER_ONLY'] && !title.includes(process.env['VRRP_FAILOVER_ONLY'])) continue;
      t.test(title, { timeout: 120_000 }, async (t) => {
        const lab = new VrrpLab('kvf');
        t.teardown(() => lab.destroy());
        const unicast = v.name.includes('unicast');
        const conf = (node: 'r1' | 'r2', priority: number): string =>
          lab.writeConfig(node, {
            ...v.opts, priority,
            ...(unicast ? { unicastPeers: [lab.addr(node === 'r1' ? 'r2' : 'r1')] } : {}),
          });
        const c1 = conf('r1', 150);
        const c2 = conf('r2', 100);
        const downMs = masterDownMs(v.version, v.advertIntMs, 100);
        const bound = 3 * downMs + 500;

        let r1 = lab.start('r1', masterImpl, c1);
        const r2 = lab.start('r2', backupImpl, c2);
        const up = await lab.waitFor(() => lab.holds('r1', v.vip), 10 * downMs + 3000);
        t.ok(up >= 0, 'r1 (priority 150) becomes master and holds the VIP', { output: r1.output() });
        // the backup must be running before its master is killed, or the takeover time includes its start-up
        t.ok(await lab.waitFor(() => /Entering BACKUP STATE/.test(r2.output()), 20_000) >= 0, 'r2 is up as BACKUP', { output: r2.output() });
        // Both start together, so r2 may win the first election (an IPv6 master cannot advertise
        // from its link-local address until DAD ends); r1 must then preempt and r2 release.
        const settled = await lab.waitFor(() => lab.holds('r1', v.vip) && !lab.holds('r2', v.vip), 10 * downMs + 3000);
        t.ok(settled >= 0, 'the start-up election settles on r1 alone', { r1: r1.output(), r2: r2.output() });
        const steady = await lab.sampleHolders(v.vip, ['r1', 'r2'], Math.max(1000, 3 * v.advertIntMs));
        t.equal(steady.maxHolders, 1, 'exactly one holder in steady state');
        t.equal(steady.longestNoneMs, 0, 'never none in steady state');

        // kill -9 the master: the backup must notice the silence.
        lab.killHard(r1);
        await r1.exited;
        const takeover = await lab.waitFor(() => lab.holds('r2', v.vip), 3 * bound);
        t.ok(takeover >= 0 && takeover < bound, `backup takes over after kill -9 within ${bound.toFixed(0)} ms`, { takeover, output: r2.output() });
        t.comment(`${v.name} ${masterImpl}->${backupImpl} kill -9 takeover: ${takeover.toFixed(0)} ms (Master_Down ${downMs.toFixed(0)} ms)`);

        // The higher priority node comes back and preempts.
        r1 = lab.start('r1', masterImpl, c1);
        const back = await lab.waitFor(() => lab.holds('r1', v.vip) && !lab.holds('r2', v.vip), 10 * downMs + 3000);
        t.ok(back >= 0, 'restarted r1 preempts and r2 releases the VIP', { r1: r1.output(), r2: r2.output() });
        const steady2 = await lab.sampleHolders(v.vip, ['r1', 'r2'], Math.max(600, 3 * v.advertIntMs));
        t.equal(steady2.maxHolders, 1, 'one holder after preemption');

        // SIGTERM: priority 0 advert, the backup takes over after Skew_Time only.
        const t0 = performance.now();
        const code = lab.stop(r1);
        const fast = await lab.waitFor(() => lab.holds('r2', v.vip), 3 * bound);
        const released = !lab.holds('r1', v.vip);
        t.equal(await code, 0, 'SIGTERM exits 0');
        t.ok(released, 'the stopped master removed its VIP');
        t.ok(fast >= 0 && fast < downMs, `takeover after SIGTERM is faster than Master_Down (${downMs.toFixed(0)} ms)`, { fast });
        t.comment(`${v.name} ${masterImpl}->${backupImpl} SIGTERM takeover: ${(performance.now() - t0).toFixed(0)} ms`);
      });
    }
  }

  // nopreempt, as keepalived does it: a higher-priority router that arrives
  // second stays BACKUP while the current master lives.
  for (const [firstImpl, laterImpl] of [['ours', 'keepalived'], ['keepalived', 'ours'], ['ours', 'ours']] as [Impl, Impl][]) {
    const title = `v3 IPv4 nopreempt: master ${firstImpl} (priority 100) keeps the VIP when ${laterImpl} (priority 150) arrives`;
    if (process.env['VRRP_FAILOVER_ONLY'] && !title.includes(process.env['VRRP_FAILOVER_ONLY'])) continue;
    t.test(title, { timeout: 120_000 }, async (t) => {
      const lab = new VrrpLab('kvn');
      t.teardown(() => lab.destroy());
      const vip = '192.0.2.200';
      const downMs = masterDownMs(3, 200, 100);
      const low = lab.start('r2', firstImpl, lab.writeConfig('r2', { version: 3, advertInt: '0.2', priority: 100, nopreempt: true }));
      t.ok((await lab.waitFor(() => lab.holds('r2', vip), 10 * downMs + 3000)) >= 0, 'the first router becomes master', { output: low.output() });
      const high = lab.start('r1', laterImpl, lab.writeConfig('r1', { version: 3, advertInt: '0.2', priority: 150, nopreempt: true }));
      const watch = await lab.sampleHolders(vip, ['r1', 'r2'], 6 * downMs);
      t.equal(watch.maxHolders, 1, 'never two masters');
      t.equal(watch.longestNoneMs, 0, 'never none');
      t.ok(lab.holds('r2', vip) && !lab.holds('r1', vip), 'the higher priority router did not preempt', { r1: high.output() });
      // once the master goes away, the higher priority router takes over
      await lab.stop(low);
      t.ok((await lab.waitFor(() => lab.holds('r1', vip), 3 * downMs + 500)) >= 0, 'and takes over when the master stops');
    });
  }
}
