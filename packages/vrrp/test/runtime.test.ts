import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildConfig, readConfigTree } from '@keepalived-ts/core';
import { advertIntervalField, checkInstanceFor, fsmConfigFor, sockKey } from '../src/runtime/instance-config.js';
import { weightContribution } from '../src/runtime/track.js';
import { missingCapabilities } from '../src/runtime/vrrp-daemon.js';
import { loadVrrpConfig, stoppedLine } from '../src/child/run.js';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/runtime/${name}`, import.meta.url));
const CHILD = fileURLToPath(new URL('../src/child/main.js', import.meta.url));

function configFrom(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vrrp-rt-'));
  try {
    const f = join(dir, 'k.conf');
    writeFileSync(f, text);
    const read = readConfigTree(f, { configId: 'x' });
    return buildConfig(read.tree, { interfaceExists: () => true }).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('config mapping for the state machine and the validator', async (t) => {
  const config = configFrom(`vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 7
    version 3
    priority 120
    advert_int 0.5
    nopreempt
    virtual_ipaddress {
        192.0.2.200/24
        2001:db8::9/64
    }
    unicast_peer {
        192.0.2.2
    }
}`);
  const inst = config.vrrpInstances[0]!;
  const fsm = fsmConfigFor(inst, config, { ourAddress: '192.0.2.1', logDetail: true });
  t.equal(fsm.vrid, 7);
  t.equal(fsm.version, 3);
  t.equal(fsm.advertIntMs, 500);
  t.equal(fsm.nopreempt, true);
  t.equal(fsm.hasVips, true);
  const check = checkInstanceFor(inst, config, 'eth0');
  t.equal(check.family, 4);
  t.equal(check.vips.length, 1, 'only same-family VIPs are advertised');
  t.same([...check.vips[0]!], [192, 0, 2, 200]);
  t.equal(check.unicast, true);
  t.same([...check.unicastPeers[0]!.address], [192, 0, 2, 2]);
  t.equal(advertIntervalField(inst), 50, 'v3 interval in centiseconds');
  t.equal(sockKey(2, 4, 112, true, '192.0.2.1'), '2/4/112/u/192.0.2.1');
  t.not(sockKey(2, 4, 112, false, '224.0.0.18'), sockKey(2, 6, 112, false, '224.0.0.18'));
});

t.test('tracked object weights', async (t) => {
  t.equal(weightContribution(10, false, true), 10);
  t.equal(weightContribution(10, false, false), 0);
  t.equal(weightContribution(-10, false, false), -10);
  t.equal(weightContribution(-10, false, true), 0);
  t.equal(weightContribution(10, true, true), 0, 'reverse: a positive weight acts when down');
  t.equal(weightContribution(10, true, false), -10);
});

t.test('capabilities from /proc/self/status', async (t) => {
  t.same(missingCapabilities(() => 'CapEff:\t000001ffffffffff\n'), []);
  t.same(missingCapabilities(() => 'CapEff:\t0000000000000000\n'), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  t.same(missingCapabilities(() => `CapEff:\t${(1 << 13).toString(16)}\n`), ['CAP_NET_ADMIN']);
});

t.test('configuration errors map to keepalived exit codes', async (t) => {
  const opts = (f: string) => ({ configFile: f, configId: 'x', allConfig: false }) as Parameters<typeof loadVrrpConfig>[0];
  const missing = loadVrrpConfig(opts('/nonexistent/keepalived.conf'));
  t.equal(missing.ok, false);
  t.equal(!missing.ok && missing.exitCode, 6, 'no configuration file: NO_CONFIG');
  const badIf = loadVrrpConfig(opts(fixture('no-iface.conf')));
  t.equal(!badIf.ok && badIf.exitCode, 2, 'non-existent interface: CONFIG');
  t.ok(badIf.messages.includes('Non-existent interface specified in configuration'));
  t.equal(stoppedLine(0), 'Stopped');
  t.match(stoppedLine(1), /^Stopped - used \d+\.\d{6} user time, \d+\.\d{6} system time$/);
});

t.test('the child process exits with CONFIG on a bad interface', async (t) => {
  const r = spawnSync(process.execPath, [CHILD, '-n', '-l', '-G', '-f', fixture('no-iface.conf')], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.match(r.stderr, /Non-existent interface specified in configuration/);
});
