/**
 * The VRRP child's dumps against keepalived 2.2.7:
 * - fixtures/dumps/master-keepalived.data: whole USR1 file (sockpool, scripts, interfaces)
 *   for ../configs/conf/configtest/warn-script-security.conf;
 * - fixtures/dumps/vrrp-rich.*: -d log and USR1 file for vrrp-rich.conf (sync group,
 *   track files/processes, static addresses/routes/rules, VMAC, unicast), see README.md.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigTree } from '../src/config/reader/index.js';
import { buildConfig } from '../src/config/build.js';
import { dataFileForProcess, dumpForProcess, type VrrpDumpRuntime, type VrrpInterfaceRuntime } from '../src/config/dump/index.js';

process.env.TZ = 'UTC';
const here = dirname(fileURLToPath(import.meta.url));
const dumps = join(here, '../../test/fixtures/dumps');
const configs = join(here, '../../test/fixtures/configs');
const ref = (name: string): string => readFileSync(join(dumps, name), 'utf8');
const build = (file: string, cwd: string) =>
  buildConfig(readConfigTree(file, { cwd }).tree, { interfaceExists: () => true, scriptAccessible: () => true }).config;

const iface = (o: Partial<VrrpInterfaceRuntime> & Pick<VrrpInterfaceRuntime, 'name' | 'ifindex'>): VrrpInterfaceRuntime => ({
  up: true, running: true, broadcast: true, loopback: false, pointToPoint: false, noArp: false, multicast: true, seenUp: 1,
  delayedStateChangeRunning: false, upDebounceUs: 0, downDebounceUs: 0, mtu: 1500, hwType: 'ETHERNET', linkbeat: 'netlink',
  resetArpConfig: 0, arpIgnore: 0, arpFilter: 0, promoteSecondaries: 0, resetPromoteSecondaries: 0, trackingInstances: [], ...o,
});
const lo = iface({ name: 'lo', ifindex: 1, ipv4: '127.0.0.1', broadcast: false, loopback: true, multicast: false, mtu: 65536, hwType: 'LOOPBACK' });

t.test('master-keepalived.data: the whole USR1 file', async (t) => {
  const config = build('conf/configtest/warn-script-security.conf', configs);
  const rt: VrrpDumpRuntime = {
    instance: (n) => (n === 'VI_1'
      ? { state: 'MASTER', wantState: 'MASTER', lastTransition: { sec: 1795346044, usec: 712906 }, readTimeout: { sec: 1795346048, usec: 713644 },
        masterDownTimerUs: 3414062, sourceAddress: '192.0.2.11', effectivePriority: 150, totalPriority: 150, fdIn: 14, fdOut: 15, addressSet: () => true }
      : { state: 'MASTER', wantState: 'MASTER', lastTransition: { sec: 1795346044, usec: 908310 }, readTimeout: { sec: 1795346048, usec: 909020 },
        masterDownTimerUs: 3609375, sourceAddress: 'fe80::bcae:ceff:fe57:1423', mcastIfindex: 2, effectivePriority: 100, totalPriority: 100,
        fdIn: 16, fdOut: 17, addressSet: () => true }),
    sockets: [
      { fdIn: 14, fdOut: 15, interface: 'eth0', family: 'inet', protocol: 'VRRP', rxBufSize: 0, instances: [{ name: 'VI_1', vrid: 51 }] },
      { fdIn: 16, fdOut: 17, interface: 'eth0', family: 'inet6', protocol: 'VRRP', rxBufSize: 0, instances: [{ name: 'VI_6', vrid: 55 }] },
    ],
    script: () => ({ result: 1, initState: 'unknown', state: 'idle' }),
    interfaces: [lo, iface({
      name: 'eth0', ifindex: 2, ipv4: '192.0.2.11', ipv6: 'fe80::bcae:ceff:fe57:1423', mac: 'be:ae:ce:57:14:23', arpIgnore: 1, arpFilter: 1,
      lastGnaRouterCheck: { sec: 1795346044, usec: 908138 }, gnaRouter: false,
      trackingInstances: [{ name: 'VI_1', weight: 0 }, { name: 'VI_6', weight: 0 }],
    })],
  };
  const resolveScriptPath = (p: string): string => (p === '/bin/true' ? '/usr/bin/true' : p);
  t.equal(dataFileForProcess('vrrp', config, { vrrp: rt, resolveScriptPath }).text, ref('master-keepalived.data'));
  t.equal(dataFileForProcess('parent', config).text, ref('master-keepalived_parent.data'));
});

t.test('vrrp-rich: -d log and USR1 file', async (t) => {
  const config = build('vrrp-rich.conf', dumps);
  const resolveScriptPath = (p: string): string => p.replace(/^\/bin\//, '/usr/bin/');
  const interfaces = [lo,
    iface({ name: 'kdv1', ifindex: 2, ipv4: '192.0.2.2', ipv6: 'fe80::80f5:f5ff:fee1:2b60', mac: '82:f5:f5:e1:2b:60', garpIntervalMs: 500, rpFilter: 0,
      trackingInstances: [{ name: 'VI_C', weight: 0 }] }),
    iface({ name: 'kdv0', ifindex: 3, ipv4: '192.0.2.1', ipv6: 'fe80::ff:fe00:1', mac: '02:00:00:00:00:01', garpIntervalMs: 1500,
      trackingInstances: [{ name: 'VI_A', weight: 0 }, { name: 'VI_B', weight: 0 }] }),
    iface({ name: 'vmc0', ifindex: 4, mac: '00:00:5e:00:02:3f', rpFilter: 0, createdByKeepalived: true,
      vmac: { ifType: 'VMAC', vlanType: 'private', baseInterface: 'kdv1', baseUp: true, baseRunning: true },
      trackingInstances: [{ name: 'VI_C', weight: 0 }] }),
  ];
  const startup: VrrpDumpRuntime = {
    instance: (n) => ({ sourceAddress: n === 'VI_C' ? 'fe80::80f5:f5ff:fee1:2b60' : '192.0.2.1', mcastIfindex: 2 }),
    garpDelays: [
      { aggregationGroup: 0, garpInterval: 1.5, interfaces: ['kdv0'] },
      { aggregationGroup: 0, garpInterval: 0.5, interfaces: ['kdv1'] },
    ],
    interfaces,
    // keepalived read the file (it held "5") before the dump
    trackFile: () => ({ status: 5 }),
  };
  const ours = dumpForProcess('vrrp', config, { vrrp: startup, resolveScriptPath });
  const theirs = ref('vrrp-rich.d.txt').replace(/\n$/, '').split('\n')
    // keepalived's -d shows the kernel ifindex of an installed route it has not resolved yet
    .map((l) => l.replace(' [installed ifindex 0]', ''));
  t.same(ours, theirs);
});
