/**
 * The keyword layer on hand-built trees: table coverage against keepalived
 * 2.2.7's keyword list, unknown keywords, values, defaults and roundings.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigStatement, ConfigTree } from '../src/config/tree.js';
import { buildConfig } from '../src/config/build.js';
import { formatDiagnostic } from '../src/config/diagnostics.js';
import { KeepalivedConfig } from '../src/config/model/index.js';
import type { KeywordTable } from '../src/config/keywords/types.js';
import { rootKeywords } from '../src/config/keywords/root.js';
import { globalDefsKeywords } from '../src/config/keywords/global.js';
import { vrrpInstanceKeywords } from '../src/config/keywords/vrrp-instance.js';
import { syncGroupKeywords, garpGroupKeywords } from '../src/config/keywords/vrrp-groups.js';
import { trackFileKeywords, trackProcessKeywords, vrrpScriptKeywords } from '../src/config/keywords/vrrp-trackers.js';
import { sslKeywords, virtualServerKeywords } from '../src/config/keywords/virtual-server.js';
import { bfdInstanceKeywords } from '../src/config/keywords/bfd.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/configs');
const FILE = 'test.conf';

/** A tiny tree builder: nested arrays of lines, a line followed by an array opens a block. */
type Src = (string | Src)[];
function tree(src: Src): ConfigTree {
  let line = 0;
  const build = (items: Src): ConfigStatement[] => {
    const out: ConfigStatement[] = [];
    for (const item of items) {
      if (Array.isArray(item)) {
        out[out.length - 1]!.block = build(item);
        line++; // the closing brace
        continue;
      }
      line++;
      const words = item.split(/\s+/).filter(Boolean);
      out.push({ words, quoted: words.map(() => false), text: item, loc: { file: FILE, line } });
    }
    return out;
  };
  return { statements: build(src), files: [FILE] };
}

const ctx = { interfaceExists: (n: string) => n === 'eth0' || n === 'eth1', scriptAccessible: () => false, validateSchema: true };
const run = (src: Src) => buildConfig(tree(src), ctx);
const texts = (src: Src) => run(src).diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic);

const vi = (...lines: Src): Src => ['vrrp_instance VI_1', ['interface eth0', 'virtual_router_id 1', 'virtual_ipaddress', ['192.0.2.1/24'], ...lines]];

t.test('every keyword keepalived 2.2.7 accepts is in our tables, and no others', async (t) => {
  const expected = JSON.parse(readFileSync(join(fixtures, 'keywords-2.2.7.json'), 'utf8')) as Record<string, string[]>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const sub = (table: KeywordTable<any>, kw: string): KeywordTable<any> => table[kw]!.sub!.table;
  const realServer = sub(virtualServerKeywords, 'real_server');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tables: Record<string, KeywordTable<any>> = {
    global_defs: globalDefsKeywords,
    track_group: sub(rootKeywords, 'track_group'),
    vrrp_sync_group: syncGroupKeywords,
    garp_group: garpGroupKeywords,
    vrrp_instance: vrrpInstanceKeywords,
    authentication: sub(vrrpInstanceKeywords, 'authentication'),
    vrrp_script: vrrpScriptKeywords,
    vrrp_track_process: trackProcessKeywords,
    track_file: trackFileKeywords,
    virtual_server: virtualServerKeywords,
    real_server: realServer,
    SSL: sslKeywords,
    url: sub(sub(realServer, 'HTTP_GET'), 'url'),
    bfd_instance: bfdInstanceKeywords,
  };
  for (const c of ['HTTP_GET', 'TCP_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'MISC_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK', 'BFD_CHECK'])
    tables[c] = sub(realServer, c);
  t.same(Object.keys(sub(realServer, 'SSL_GET')).sort(), Object.keys(tables.HTTP_GET!).sort(), 'SSL_GET = HTTP_GET');
  for (const [block, table] of Object.entries(tables)) {
    const ours = Object.keys(table).filter((k) => !(block === 'SMTP_CHECK' && k === 'host')).sort();
    t.same(ours, [...new Set(expected[block])].sort(), block);
  }
  const root = [...expected['root-global']!, ...expected.root!].sort();
  t.same(Object.keys(rootKeywords).sort(), root, 'root');
});

t.test('unknown keywords are reported with their location and parsing continues', async (t) => {
  const r = run(['frobnicate 1', 'garbage_block', ['vrrp_instance X', ['priority 5']], ...vi('nonsense yes', 'priority 50')]);
  t.same(r.diagnostics.map(formatDiagnostic), [
    `(${FILE}: Line 1) Unknown keyword 'frobnicate'`,
    `(${FILE}: Line 2) Unknown keyword 'garbage_block'`,
  ].concat([`(${FILE}: Line 13) Unknown keyword 'nonsense'`]));
  t.equal(r.config.vrrpInstances.length, 1, 'the skipped block defined no instance');
  t.equal(r.config.vrrpInstances[0]!.priority, 50, 'keywords after the unknown one still apply');
  t.equal(r.exitCode, 5);
});

t.test('a missing parameter stops the build with exit code 2', async (t) => {
  const r = run(vi('priority'));
  t.equal(r.exitCode, 2);
  t.match(formatDiagnostic(r.diagnostics.at(-1)!), /is missing a parameter after keyword `priority` at word position 2/);
});

t.test('vrrp_instance values, defaults and roundings', async (t) => {
  const r = run(vi());
  t.equal(r.exitCode, 0);
  const i = r.config.vrrpInstances[0]!;
  t.match(i, {
    name: 'VI_1', state: 'BACKUP', priority: 100, version: 2, family: 'inet', advertIntervalUs: 1_000_000,
    mcastDstIp: '224.0.0.18', garpMasterDelayUs: 5_000_000, garpMasterRepeat: 5, garpMasterRefreshRepeat: 1,
    garpLowerPrioDelayUs: 5_000_000, garpLowerPrioRepeat: 5, downTimerAdverts: 3, accept: true, unicastTtl: 255,
    authType: 'NONE', lowerPrioNoAdvert: false, higherPrioSendAdvert: false,
  });
  t.equal(run(['vrrp_instance VI_1', ['state MASTER', 'interface eth0', 'virtual_router_id 1', 'virtual_ipaddress', ['192.0.2.1']]])
    .config.vrrpInstances[0]!.priority, 255, 'MASTER without priority is the address owner');
  t.equal(run(vi('priority 255')).config.vrrpInstances[0]!.state, 'MASTER', 'priority 255 starts as MASTER');

  const v2 = run(vi('advert_int 2.5'));
  t.equal(v2.config.vrrpInstances[0]!.advertIntervalUs, 3_000_000, 'v2 rounds to whole seconds');
  t.same(v2.diagnostics.map(formatDiagnostic), ['(VI_1) VRRPv2 advertisement interval 2.500000s must be an integer. rounding']);
  const v3 = run(vi('version 3', 'advert_int 0.125'));
  t.equal(v3.config.vrrpInstances[0]!.advertIntervalUs, 130_000, 'v3 rounds to 10 ms');
  t.equal(run(vi('version 3', 'advert_int 0.01')).exitCode, 0, '10 ms is valid for v3');

  const auth = run(vi('authentication', ['auth_type PASS', 'auth_pass 0123456789']));
  t.equal(auth.config.vrrpInstances[0]!.authPass, '01234567', 'auth_pass cut to 8 characters');
  t.same(texts(vi('authentication', ['auth_type PASS', 'auth_pass 0123456789'])), [`(${FILE}: Line 9) Truncating auth_pass to 8 characters`]);
  t.equal(run(vi('version 3', 'authentication', ['auth_type PASS', 'auth_pass x'])).config.vrrpInstances[0]!.authType, 'NONE');
});

t.test('vrid and priority range messages', async (t) => {
  t.same(texts(['vrrp_instance VI_1', ['interface eth0', 'virtual_router_id 0', 'virtual_ipaddress', ['192.0.2.1']]]), [
    `(${FILE}: Line 3) number '0' outside range [1, 255]`,
    `(${FILE}: Line 3) (VI_1): VRID '0' not valid - must be between 1 & 255`,
    '(VI_1) the virtual router id must be set',
  ]);
  t.same(texts(vi('priority x')), [
    `(${FILE}: Line 7) invalid number 'x'`,
    `(${FILE}: Line 7) (VI_1) Priority not valid! must be between 1 & 255. Using default 100`,
  ]);
});

t.test('virtual_ipaddress options', async (t) => {
  const r = run(['vrrp_instance VI_1', ['interface eth0', 'virtual_router_id 1', 'virtual_ipaddress', [
    '192.0.2.1/24 brd + dev eth1 label eth1:a scope link',
    '192.0.2.2/24 brd -',
    '192.0.2.3 no_track use_vmac',
  ], 'virtual_ipaddress_excluded', ['192.0.2.9/32 dev eth0']]]);
  t.equal(r.exitCode, 0);
  const [a, b, c] = r.config.vrrpInstances[0]!.virtualIpaddress;
  t.match(a, { address: '192.0.2.1', prefixLength: 24, broadcast: '192.0.2.255', dev: 'eth1', label: 'eth1:a', scope: 'link' });
  t.match(b, { broadcast: '192.0.2.0' });
  t.match(c, { prefixLength: 32, noTrack: true, useVmac: true });
  t.equal(r.config.vrrpInstances[0]!.virtualIpaddressExcluded.length, 1);
});

t.test('unicast peers with ttl limits', async (t) => {
  const r = run(['vrrp_instance VI_1', ['interface eth0', 'virtual_router_id 1', 'unicast_src_ip 192.0.2.1',
    'unicast_peer', ['192.0.2.2 min_ttl 3 max_ttl 9', '192.0.2.3'], 'virtual_ipaddress', ['192.0.2.10']]]);
  const i = r.config.vrrpInstances[0]!;
  t.equal(i.unicast, true);
  t.equal(i.mcastDstIp, undefined);
  t.same(i.unicastPeers, [{ address: '192.0.2.2', minTtl: 3, maxTtl: 9 }, { address: '192.0.2.3', minTtl: 0, maxTtl: 255 }]);
  t.equal(i.checkUnicastSrc, true, 'ttl limits imply checking the source');
});

t.test('interfaces that do not exist', async (t) => {
  t.same(texts(['vrrp_instance VI_1', ['interface nosuch0', 'virtual_router_id 1', 'virtual_ipaddress', ['192.0.2.1']]]), [
    `(${FILE}: Line 2) WARNING - interface nosuch0 for vrrp_instance VI_1 doesn't exist`,
    'Non-existent interface specified in configuration',
  ]);
  const dyn = run(['global_defs', ['dynamic_interfaces'], 'vrrp_instance VI_1', ['interface nosuch0', 'virtual_router_id 1', 'virtual_ipaddress', ['192.0.2.1']]]);
  t.equal(dyn.exitCode, 0, 'dynamic_interfaces accepts them');
});

t.test('script security', async (t) => {
  const src: Src = ['vrrp_script chk', ['script /bin/true'], ...vi('track_script', ['chk'])];
  const insecure = buildConfig(tree(src), { ...ctx, scriptAccessible: () => true });
  t.equal(insecure.exitCode, 6);
  t.same(insecure.diagnostics.map(formatDiagnostic), ['SECURITY VIOLATION - scripts are being executed but script_security not enabled.']);
  const secure = buildConfig(tree(['global_defs', ['enable_script_security'], ...src]), { ...ctx, scriptAccessible: () => true });
  t.equal(secure.exitCode, 0);
  t.match(secure.config.vrrpInstances[0]!.trackScripts, [{ name: 'chk', weight: 0 }]);
  const missing = run(src);
  t.same(missing.diagnostics.map(formatDiagnostic), ['Disabling track script chk since not found/accessible']);
  t.equal(missing.config.vrrpInstances[0]!.trackScripts.length, 0);
});

t.test('deprecated checker keywords', async (t) => {
  const r = run(['virtual_server 192.0.2.1 80', ['protocol TCP', 'lb_algo rr', 'lb_kind DR', 'real_server 192.0.2.2 80',
    ['HTTP_GET', ['nb_get_retry 4', 'url', ['path /', 'status_code 200']]]]]);
  t.same(r.diagnostics.map(formatDiagnostic), [`(${FILE}: Line 7) nb_get_retry is deprecated - please use 'retry'`]);
  const chk = r.config.virtualServers[0]!.realServers[0]!.checkers[0]!;
  t.match(chk, { type: 'HTTP_GET', retry: 4, urls: [{ path: '/', statusCode: ['200'] }] });
});

t.test('checker bind_if and fwmark, with keepalived 2.2.7 messages', async (t) => {
  // the same messages as keepalived -t on this config
  const r = run(['virtual_server 2001:db8::1 80', ['protocol TCP', 'lb_algo rr', 'lb_kind NAT',
    'real_server fe80::2 80', ['TCP_CHECK', ['connect_timeout 3']],
    'real_server 2001:db8::3 80', ['TCP_CHECK', ['connect_ip fe80::4', 'bind_if averyveryverylongname', 'fwmark -3']],
    'real_server 2001:db8::5 80', ['TCP_CHECK', ['bind_if eth0', 'fwmark 4294967295']],
    'real_server fe80::6 80', ['MISC_CHECK', ['misc_path /bin/true']]]]);
  const msgs = r.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic);
  // (this tree builder numbers a block's closing brace as its own line)
  t.same(msgs, [
    `(${FILE}: Line 8) Checker link local address fe80::2 requires a bind_if`,
    `(${FILE}: Line 13) Interface name averyveryverylongname is too long - ignoring`,
    `(${FILE}: Line 14) negative number '-3'`,
    `(${FILE}: Line 14) Invalid fwmark connection value '-3'`,
    `(${FILE}: Line 15) Checker link local address fe80::4 requires a bind_if`,
  ]);
  const rss = r.config.virtualServers[0]!.realServers;
  t.same(rss.map((x) => x.checkers.length), [0, 0, 1, 1], 'link-local checkers without bind_if are dropped; MISC_CHECK has no connection');
  t.match(rss[2]!.checkers[0], { bindIf: 'eth0', fwmark: 4294967295 });
});

t.test('global_defs values feed instance defaults and the model validates', async (t) => {
  const r = run(['global_defs', ['router_id R1', 'vrrp_garp_master_delay 7', 'vrrp_version 3', 'vrrp_mcast_group4 224.0.0.20'], ...vi()]);
  t.equal(r.config.global.routerId, 'R1');
  t.match(r.config.vrrpInstances[0], { garpMasterDelayUs: 7_000_000, version: 3, mcastDstIp: '224.0.0.20' });
  t.ok(KeepalivedConfig.safeParse(r.config).success);
});

t.test('*_cpu_affinity: online CPUs only, the first bad id empties the set (keepalived get_cpu_affinity)', async (t) => {
  const { availableParallelism } = await import('node:os');
  const last = availableParallelism() - 1;
  t.same(run(['global_defs', [`vrrp_cpu_affinity 0 ${last}`]]).config.global.vrrp.cpuAffinity, [0, last]);
  const bad = run(['global_defs', [`checker_cpu_affinity 0 ${last + 1}`]]);
  t.same(bad.config.global.checker.cpuAffinity, [], 'no partial set');
  t.same(bad.diagnostics.map(formatDiagnostic), [
    `(test.conf: Line 2) number '${last + 1}' outside range [0, ${last}]`,
    `(test.conf: Line 2) Invalid cpu_id:${last + 1} specified for checker process`,
  ]);
  t.same(texts(['global_defs', ['bfd_cpu_affinity x']]), ["(test.conf: Line 2) invalid number 'x'", '(test.conf: Line 2) Invalid cpu_id:0 specified for bfd process']);
});
