/**
 * packages/ipvs-wrapper on a REAL IPVS kernel: one vm-run boot runs
 * conformance/ipvs/kernel-suite.ts (see there for what each check does) and prints one
 * JSON line per check; this file asserts them. Every check carries its evidence (the
 * ipvsadm views that differ, command counts, kernel answers) for the failure message.
 */
import t, { type Test } from 'tap';
import { resolve } from 'node:path';
import { runInVm, setupVm } from '../vm/vm.js';
import { repoRoot } from '../lib/paths.js';

interface Check {
  check: string;
  ok: boolean;
  [k: string]: unknown;
}

const setup = setupVm();
if (!setup.ok) {
  t.fail(`conformance/vm/setup.sh failed (it needs root and Debian's package archive):\n${setup.output}`);
} else {
  const r = await runInVm(['node', resolve(repoRoot, 'conformance/dist/ipvs/kernel-suite.js')], { timeoutSec: 280, cwd: repoRoot });
  const checks = new Map<string, Check>();
  const junk: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      const c = JSON.parse(line) as Check;
      checks.set(c.check, c);
    } catch {
      junk.push(line);
    }
  }
  const get = (name: string): Check => checks.get(name) ?? { check: name, ok: false, missing: true };
  const assertOk = (tt: Test, name: string, what: string): Check => {
    const c = get(name);
    tt.ok(c.ok, what, { check: c });
    return c;
  };

  t.test('the guest suite ran to its end in one boot', async (t) => {
    t.equal(r.code, 0, 'the guest program exited 0', { stderr: r.stderr.slice(-4000) });
    t.same(junk, [], 'stdout holds only JSON lines');
    t.ok(checks.has('done'), 'the suite reached its end');
    t.same([...checks.keys()].filter((k) => k.startsWith('crash:')), [], 'no section crashed', {
      crashes: [...checks.values()].filter((c) => c.check.startsWith('crash:')),
    });
    t.ok(get('ip_vs').ok, 'modprobe ip_vs');
  });

  t.test('A/B: each topology, applied by our reconciler, equals the table ipvsadm -R builds', async (t) => {
    for (const [name, services, dests] of [['schedulers', 13, 26], ['features', 7, 14], ['group', 7, 14]] as const) {
      const c = assertOk(t, `topology:${name}`, `${name}: -Sn, --thresholds and --tun-info listings are identical`);
      t.equal(c.services, services, `${name}: ${services} services`);
      t.equal(c.dests, dests, `${name}: ${dests} real servers`);
      t.equal(c.restoreRc, 0, `${name}: ipvsadm -R accepted the rules`);
      t.equal(c.flushedEmpty, true, `${name}: our FLUSH emptied the table`);
      t.same(c.failures, [], `${name}: the kernel refused none of our commands`);
    }
    const features = get('topology:features');
    t.equal(features.timeouts, 'Timeout (tcp tcpfin udp): 910 130 310', 'lvs_timeouts of the desired table reached the kernel');
    t.ok((features.modules as string[]).includes('ip_vs_pe_sip'), 'persistence_engine sip loaded its module');
    const save = (features.save ?? []) as string[];
    for (const needle of ['--pe sip', '-b mh-fallback,mh-port', '-b sh-fallback,sh-port', '-M 64', '-M 255.255.255.0', '--sctp-service',
      '-f 2 -6', '--tun-type gue --tun-port 6080 --tun-csum', '--tun-remcsum', '--tun-type gre', ' -o', ' -w 0']) {
      t.ok(save.some((l) => l.includes(needle)), `features topology covers ${needle.trim()}`);
    }
  });

  t.test('schedulers: each available one loads as a module; twos (Linux >= 6.2) is refused alike', async (t) => {
    const m = assertOk(t, 'schedulers:modules', 'every available scheduler module is loaded after the apply');
    const available = m.available as string[];
    const missing = m.missing as string[];
    t.same([...available, ...missing].sort(), ['dh', 'fo', 'lblc', 'lblcr', 'lc', 'mh', 'nq', 'ovf', 'rr', 'sed', 'sh', 'twos', 'wlc', 'wrr'],
      'all 14 keepalived schedulers tried');
    t.same(missing.filter((s) => s !== 'twos'), [], 'only twos may be absent');
    for (const s of missing) {
      assertOk(t, `schedulers:missing:${s}`, `${s}: our NEW_SERVICE fails with ENOENT "Scheduler or persistence engine not found", as ipvsadm's does`);
    }
    if (missing.includes('twos')) t.match(m.kernel, /^6\.1\./, 'twos is missing only because the guest kernel is 6.1');
  });

  t.test('C: a 1% change, an inhibited server and a removed service, then nothing to send', async (t) => {
    const init = assertOk(t, 'change:initial', '100 services x 10 servers equal ipvsadm -R\'s table');
    t.equal(init.commands, 1100, '1,100 commands for the first apply');
    const c = assertOk(t, 'change:one-percent', 'the changed table equals ipvsadm -R of the changed topology');
    t.equal(c.commands, c.expectedCommands, 'exactly the differing commands were sent');
    t.equal(c.messagesSent, c.expectedCommands, 'one netlink message per change, no dumps');
    t.same(c.inhibited, ['-a -t 192.0.2.1:10005 -r 198.51.100.6:20005 -m -w 0'], 'the inhibited server stays with weight 0');
    const again = assertOk(t, 'change:reapply-sends-nothing', 're-applying the same table sends nothing');
    t.equal(again.messagesSent, 0);
  });

  t.test('D: edits behind our back are restored by resync; foreign entries stay', async (t) => {
    const c = assertOk(t, 'resync:restores', 'after resync the table equals the reference (plus the foreign entries in both)');
    t.equal(c.applyWithoutResync, 0, 'apply alone trusts its view');
    t.equal(c.resyncCommands, 14, 'resync: NEW_SERVICE + 10 NEW_DEST, SET_DEST, NEW_DEST, SET_SERVICE');
    assertOk(t, 'resync:then-nothing', 'and then nothing is left to do');
    assertOk(t, 'stop:removes-only-ours', 'stop deletes our 99 services and leaves the foreign one');
  });

  t.test('E: GET_INFO, timeouts, sync daemons, refusals against the real kernel', async (t) => {
    const info = assertOk(t, 'info', 'GET_INFO equals /proc/net/ip_vs');
    t.match(info.proc, /IP Virtual Server version 1\.2\.1/);
    assertOk(t, 'timeouts', 'SET_CONFIG shows in ipvsadm -L --timeout; GET_CONFIG sees ipvsadm --set');
    assertOk(t, 'sync-daemon', 'master and backup sync daemons start (ipvsadm lists them), EEXIST twice, stop, ESRCH when none');
    assertOk(t, 'errors', 'EEXIST / ENOENT / ESRCH with keepalived\'s texts');
  });

  t.test('G: ipvsadm\'s captured commands through our client: same bytes, same kernel answers', async (t) => {
    assertOk(t, 'golden:getfamily', 'CTRL_CMD_GETFAMILY("IPVS") bytes equal libnl\'s');
    const golden = [...checks.keys()].filter((k) => k.startsWith('golden:') && k !== 'golden:getfamily');
    t.equal(golden.length, 24, 'all 24 captured invocations replayed');
    for (const k of golden) assertOk(t, k, `${k.slice(7)}: byte-identical requests, equal errno and decoded replies`);
  });

  t.test('timings (TCG, for information)', async (t) => {
    const timings = Object.fromEntries([...checks.values()].filter((c) => c.check.startsWith('timing:')).map((c) => [c.check.slice(7), c.ms]));
    t.comment(`guest section times in ms under TCG: ${JSON.stringify(timings)}`);
    t.ok(Object.keys(timings).length >= 6, 'every section reported');
  });
}
