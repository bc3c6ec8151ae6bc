/**
 * A BACKUP that stalls (SIGSTOP for longer than Master_Down: a starved CPU,
 * a paused VM) while the master keeps advertising must not take over when it
 * resumes: the master's adverts are waiting in its socket, and an advert
 * received before the deadline counts. Ours reads them before acting on the
 * expired down timer. keepalived 2.2.7 in the same place is measured too
 * (reported, not asserted).
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { isRoot } from '../lib/netns.js';
import { refKeepalived } from '../lib/paths.js';
import { VrrpLab, sleep, type Impl } from '../lib/vrrp-lab.js';

if (!isRoot()) {
  t.plan(0, 'needs root (network namespaces)');
  process.exit(0);
}

const VIP = '192.0.2.200';
const impls: Impl[] = existsSync(refKeepalived) ? ['ours', 'keepalived'] : ['ours'];

for (const backupImpl of impls) {
  t.test(`backup ${backupImpl} stopped for 1 s beside a live master (ours)`, { timeout: 60_000 }, async (t) => {
    const lab = new VrrpLab('kst', ['r1', 'r2']);
    t.teardown(() => lab.destroy());
    const r1 = lab.start('r1', 'ours', lab.writeConfig('r1', { version: 3, advertInt: '0.1', priority: 150 }));
    const r2 = lab.start('r2', backupImpl, lab.writeConfig('r2', { version: 3, advertInt: '0.1', priority: 100 }));
    t.ok(await lab.waitFor(() => lab.holds('r1', VIP) && !lab.holds('r2', VIP) && /Entering BACKUP STATE/.test(r2.output()), 20_000) >= 0,
      'r1 master, r2 backup', { r1: r1.output(), r2: r2.output() });
    await sleep(500);

    const from = r2.output().length;
    const child = lab.vrrpPid(r2);
    process.kill(child, 'SIGSTOP');
    await sleep(1000); // Master_Down is 360 ms here
    process.kill(child, 'SIGCONT');
    await sleep(1000);
    const after = r2.output().slice(from);
    const tookOver = /Entering MASTER STATE/.test(after);
    if (backupImpl === 'ours') {
      t.notOk(tookOver, 'the resumed backup read the queued adverts and stayed BACKUP', { after });
      t.notOk(lab.holds('r2', VIP), 'and never held the VIP');
    } else {
      t.comment(`keepalived 2.2.7 as the resumed backup: ${tookOver ? 'became MASTER, then went back to BACKUP on the next advert' : 'stayed BACKUP'}`);
      t.pass('measured');
    }
    t.ok(lab.holds('r1', VIP), 'r1 still holds the VIP');
    await lab.stop(r2);
    await lab.stop(r1);
  });
}
