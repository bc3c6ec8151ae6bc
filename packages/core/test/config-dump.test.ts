/**
 * dumpConfig against keepalived 2.2.7's USR1 dump of the VRRP process
 * (fixtures/configs/dumps/master-keepalived.data, taken while running
 * conf/configtest/warn-script-security.conf). Runtime-only values (state,
 * timers, sockets) are fed in as keepalived had them.
 */
import t from 'tap';
process.env.TZ = 'UTC'; // the references were captured in UTC; ctime() uses local time
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfigTree } from '../src/config/reader/index.js';
import { buildConfig } from '../src/config/build.js';
import { dumpConfig, type VrrpInstanceRuntime } from '../src/config/dump/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/configs');
const reference = readFileSync(join(fixtures, 'dumps/master-keepalived.data'), 'utf8').split('\n');
const section = (lines: string[], title: string): string[] => {
  const start = lines.indexOf(`------< ${title} >------`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('------<'));
  return lines.slice(start, end < 0 ? undefined : end);
};

const read = readConfigTree('conf/configtest/warn-script-security.conf', { cwd: fixtures });
const built = buildConfig(read.tree, { interfaceExists: (n) => n === 'eth0', scriptAccessible: () => true });

const runtime: Record<string, VrrpInstanceRuntime> = {
  VI_1: {
    state: 'MASTER', numScriptIfFault: 0, numScriptInit: 0,
    lastTransition: { sec: 1795346044, usec: 712906 },
    readTimeout: { sec: 1795346048, usec: 713644 },
    masterDownTimerUs: 3414062, sourceAddress: '192.0.2.11', effectivePriority: 150, totalPriority: 150,
    fdIn: 14, fdOut: 15, addressSet: () => true,
  },
  VI_6: {
    state: 'MASTER', wantState: 'MASTER', numScriptIfFault: 0, numScriptInit: 0,
    lastTransition: { sec: 1795346044, usec: 908310 },
    readTimeout: { sec: 1795346048, usec: 909020 },
    masterDownTimerUs: 3609375, sourceAddress: 'fe80::bcae:ceff:fe57:1423', mcastIfindex: 2, effectivePriority: 100,
    totalPriority: 100, fdIn: 16, fdOut: 17, addressSet: () => true,
  },
};

const ours = dumpConfig(built.config, { runtime: (n) => runtime[n] }).split('\n');

t.same(section(ours, 'Global definitions'), section(reference, 'Global definitions'), 'global definitions');
t.same(section(ours, 'VRRP Topology'), section(reference, 'VRRP Topology'), 'VRRP topology');

t.test('start-up (-d) form leaves transient state out', async (t) => {
  const text = dumpConfig(built.config);
  t.notMatch(text, /Last transition|fd_in|State = MASTER/);
  t.match(text, /Wantstate = MASTER/);
  t.match(text, /     192\.0\.2\.200\/24 dev eth0 scope global\n/);
});

t.test('Router ID defaults to the local canonical name, as keepalived\'s getaddrinfo(AI_CANONNAME)', async (t) => {
  const { localCanonicalName } = await import('../src/config/dump/index.js');
  const hosts = '127.0.0.1 localhost\n# 192.0.2.9 lb1.example.org lb1 (commented out)\n192.0.2.7\tlb1.example.org lb1  # the node\n';
  t.equal(localCanonicalName(() => hosts, 'lb1'), 'lb1.example.org', 'first name of the /etc/hosts line listing the node');
  t.equal(localCanonicalName(() => hosts, 'lb2'), 'lb2', 'not listed: the node name');
  t.equal(localCanonicalName(() => { throw new Error('ENOENT'); }, 'lb3'), 'lb3', 'no /etc/hosts: the node name');
  const { dumpGlobal } = await import('../src/config/dump/index.js');
  const read = readConfigTree(join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/dumps/vrrp-rich.conf'));
  const cfg = buildConfig(read.tree, { interfaceExists: () => true }).config;
  const lines = dumpGlobal({ ...cfg.global, routerId: undefined });
  t.equal(lines.filter((l) => l.startsWith(' Router ID = ')).length, 1, 'an unset router_id still prints its default');
});
