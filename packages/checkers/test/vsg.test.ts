/**
 * virtual_server_group through the checker pipeline without root: group
 * lines -> settings, keepalived's group texts, the adapter's expansion, and
 * the CheckerDaemon on the ipvs-wrapper's in-memory kernel (one service per
 * member, identical destinations, one checker per real server).
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@keepalived-ts/core';
import type { KeepalivedConfig } from '@keepalived-ts/core';
import { expandDesiredTable, FakeIpvsKernel, IP_VS_CONN_F_DROUTE, IP_VS_CONN_F_MASQ, IP_VS_CONN_F_TUNNEL } from '@keepalived-ts/ipvs-wrapper';
import { checkerSettingsFromConfig } from '../src/runtime/settings-from-config.js';
import { openIpvsDataPlane, toIpvsTable } from '../src/runtime/ipvs-data-plane.js';
import { CheckerDaemon } from '../src/runtime/checker-daemon.js';
import { groupReloadLines, parseGroupEntry } from '../src/runtime/vs-groups.js';
import { formatGroupEntry, resolveVirtualServers } from '../src/resolve.js';
import { MemoryFifo, RecordingNotifier } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'ckr-vsg-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

function configText(text: string): KeepalivedConfig {
  const file = join(work, `c${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, text);
  return core.buildConfig(core.readConfigTree(file, { configId: 'test' }).tree).config;
}

function groupConf(members: string, rsExtra = ''): string {
  return `virtual_server_group WEB {
${members}
}
virtual_server group WEB {
  delay_loop 5
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 192.0.2.11 80 {
    weight 2
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 192.0.2.12 80 {
    inhibit_on_failure
${rsExtra}
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;
}
const MEMBERS = '  192.0.2.100-102 80\n  fwmark 7';

/** The fake kernel's table as `ipvsadm -Sn` lines, sorted. */
function kernelSn(k: FakeIpvsKernel): string[] {
  const fwd = new Map([[IP_VS_CONN_F_MASQ, '-m'], [IP_VS_CONN_F_DROUTE, '-g'], [IP_VS_CONN_F_TUNNEL, '-i']]);
  const out: string[] = [];
  for (const { service: s, dests } of k.services.values()) {
    const id = s.fwmark ? `-f ${s.fwmark}` : `-${s.protocol === 17 ? 'u' : 't'} ${s.address}:${s.port}`;
    out.push(`-A ${id} -s ${s.scheduler}${s.timeout ? ` -p ${s.timeout}` : ''}`);
    for (const d of dests.values()) out.push(`-a ${id} -r ${d.address}:${d.port} ${fwd.get(d.fwdMethod)} -w ${d.weight}`);
  }
  return out.sort();
}

/** The expected table: every member with the same destination lines. */
function membersWith(members: string[], dests: string[]): string[] {
  const out: string[] = [];
  for (const m of members) {
    out.push(`-A ${m} -s rr`);
    for (const d of dests) out.push(`-a ${m} ${d}`);
  }
  return out.sort();
}
const FOUR = ['-t 192.0.2.100:80', '-t 192.0.2.101:80', '-t 192.0.2.102:80', '-f 7'];

async function rig(text: string) {
  const kernel = new FakeIpvsKernel();
  const log = core.createMemoryLogger();
  const fifo = new MemoryFifo();
  let seen = 0;
  const daemon = await CheckerDaemon.start({
    config: configText(text),
    log,
    dontReleaseIpvs: false,
    openDataPlane: (o) => openIpvsDataPlane(kernel.native, log, o, { modprobe: async () => {} }),
    serviceDeps: { probes: false, fifo, notifier: new RecordingNotifier(), random: () => 0, bootstrapDelayMs: 0 },
  });
  const take = () => {
    const lines = log.lines.slice(seen).map((l) => l.text);
    seen = log.lines.length;
    return lines;
  };
  return { kernel, log, fifo, daemon, take };
}

t.test('group member lines as keepalived reads them', async (t) => {
  t.same(parseGroupEntry('G', ['192.0.2.1-10', '80']), { address: '192.0.2.1', rangeEnd: 10, port: 80 });
  t.same(parseGroupEntry('G', ['192.0.2.1-192.0.2.4', '443']), { address: '192.0.2.1', rangeEnd: 4, port: 443 });
  t.same(parseGroupEntry('G', ['192.0.2.8/30', '80']), { address: '192.0.2.8', rangeEnd: 11, port: 80 });
  t.same(parseGroupEntry('G', ['2001:db8::1-a', '80']), { address: '2001:db8::1', rangeEnd: 10, port: 80 });
  t.same(parseGroupEntry('G', ['2001:db8::5', '80']), { address: '2001:db8::5', port: 80 });
  t.same(parseGroupEntry('G', ['192.0.2.5']), { address: '192.0.2.5', port: 0 }, 'no port: 0');
  t.same(parseGroupEntry('G', ['fwmark', '7']), { fwmark: 7 });
  t.same(parseGroupEntry('G', ['fwmark', '8', 'inet6']), { fwmark: 8, family: 6 });
  t.equal(parseGroupEntry('G', ['fwmark', 'x']), "(G): fwmark 'x' must be in [0, 4294967295] - ignoring");
  t.equal(parseGroupEntry('G', ['fwmark', '8', 'ipx']), "(G): fwmark '8' family ipx unknown - ignoring");
  t.equal(parseGroupEntry('G', ['192.0.2.9/30', '80']), 'Address mask bits not empty - 192.0.2.9/30 - skipping');
  t.equal(parseGroupEntry('G', ['192.0.2.300', '80']), 'Invalid virtual server group IP address 192.0.2.300 /port/80 - skipping');
  t.match(parseGroupEntry('G', ['192.0.2.9-3', '80']), /end before start/);
  t.equal(formatGroupEntry({ address: '192.0.2.1', rangeEnd: 10, port: 80 }), '192.0.2.1-192.0.2.10,80');
  t.equal(formatGroupEntry({ address: '2001:db8::1', rangeEnd: 10, port: 80 }), '2001:db8::1-2001:db8::a,80');
  t.equal(formatGroupEntry({ address: '192.0.2.1', port: 80 }), '192.0.2.1,80');
  t.equal(formatGroupEntry({ fwmark: 7 }), 'FWM 7');
});

t.test('mapping and resolution: label "[NAME]:0", protocol, ports, warnings', async (t) => {
  const mapped = checkerSettingsFromConfig(configText(groupConf(MEMBERS)));
  t.same(mapped.warnings, []);
  t.same(mapped.settings.virtualServers[0]!.group, { name: 'WEB', entries: [{ address: '192.0.2.100', rangeEnd: 102, port: 80 }, { fwmark: 7 }] });
  const r = resolveVirtualServers(mapped.settings.virtualServers);
  const vs = r.virtualServers[0]!;
  t.equal(vs.label, '[WEB]:0');
  t.equal(vs.protocol, 'tcp');
  t.same(vs.realServers.map((rs) => rs.label), ['[192.0.2.11]:tcp:80', '[192.0.2.12]:tcp:80']);
  t.same(vs.realServers.map((rs) => rs.checkers.length), [1, 1], 'one checker per real server, not per member');

  // DR real server whose port differs from a member's: keepalived's texts, port kept
  const dr = checkerSettingsFromConfig(configText(groupConf('  192.0.2.100 80\n  192.0.2.101 8080\n  fwmark 7', '    lvs_method DR')));
  const rd = resolveVirtualServers(dr.settings.virtualServers);
  t.same(rd.warnings, [
    'WARNING - fwmark virtual server [WEB]:0, real server [192.0.2.12]:tcp:80 has port specified - port will be ignored',
    'virtual server [WEB]:0:[192.0.2.101,8080] and real server [192.0.2.12]:tcp:80 ports don\'t match',
  ]);
  t.equal(rd.virtualServers[0]!.realServers[1]!.port, 80);

  // only fwmark members: no protocol; a port-less address member forces persistence
  const fwm = resolveVirtualServers(checkerSettingsFromConfig(configText(groupConf('  fwmark 7\n  fwmark 8'))).settings.virtualServers);
  t.equal(fwm.virtualServers[0]!.protocol, 'none');
  t.same(fwm.warnings, ['Warning: Virtual server [WEB]:0: protocol specified for fwmark - protocol will be ignored']);
  const noPort = resolveVirtualServers(checkerSettingsFromConfig(configText(groupConf('  192.0.2.100'))).settings.virtualServers);
  t.same(noPort.warnings, ['Virtual server [WEB]:0: zero port only valid for persistent services - setting']);
  t.equal(noPort.virtualServers[0]!.persistenceTimeout, 360);

  // an undefined group drops the virtual server with keepalived's text
  const missing = checkerSettingsFromConfig(configText(groupConf(MEMBERS).replace('virtual_server group WEB', 'virtual_server group NOPE')));
  t.same(missing.settings.virtualServers, []);
  t.same(missing.warnings, ['Virtual server group NOPE specified but not configured - ignoring virtual server [NOPE]:0']);
});

t.test('adapter: a group service becomes one kernel service per member (IPv6 ranges too)', async (t) => {
  const table = {
    services: [{
      key: '[V6]:0', family: 6 as const, protocol: 'tcp' as const, port: 0, scheduler: 'wlc',
      destinations: [{ address: '2001:db8::11', port: 80, weight: 1, forwarding: 'NAT' as const }],
    }],
  };
  const ipvs = toIpvsTable(table, { extras: new Map([['[V6]:0', { group: [{ address: '2001:db8::1', rangeEnd: 3, port: 80 }, { fwmark: 9 }] }]]) });
  t.same(ipvs.virtualServers[0]!.group, [{ address: '2001:db8::1', rangeEnd: 3, port: 80 }, { fwmark: 9 }]);
  const exp = expandDesiredTable(ipvs);
  t.same(exp.problems, []);
  const keys = [...exp.services.keys()];
  t.equal(keys.length, 4);
  t.ok(keys.includes('fwm/10/9'), 'the fwmark member takes the group family (AF_INET6)');
  for (const s of exp.services.values()) t.same([...s.dests.values()].map((d) => d.address), ['2001:db8::11'], `${s.key} has the same destination`);
});

t.test('daemon: one service per member, failures and inhibit in every member, reload adds a member', async (t) => {
  const r = await rig(groupConf(MEMBERS));
  await r.daemon.healthService.flush();
  const start = r.take();
  t.ok(start.includes('Gained quorum 1+0=1 <= 3 for VS [WEB]:0'), 'quorum line names the group');
  t.same(start.filter((l) => l.startsWith('Activating healthchecker')), [
    'Activating healthchecker for service [192.0.2.11]:tcp:80 for VS [WEB]:0',
    'Activating healthchecker for service [192.0.2.12]:tcp:80 for VS [WEB]:0',
  ], 'checkers run once per real server');
  t.same(r.fifo.lines, ['VS [WEB]:0 UP\n']);
  t.same(kernelSn(r.kernel), membersWith(FOUR, ['-r 192.0.2.11:80 -m -w 2', '-r 192.0.2.12:80 -m -w 1']), 'every member has both destinations');

  const svc = r.daemon.healthService;
  svc.processResult(0, { ok: false, reason: 'x' });
  svc.processResult(0, { ok: false, reason: 'x' });
  await svc.flush();
  t.ok(r.take().includes('Removing service [192.0.2.11]:tcp:80 from VS [WEB]:0'));
  t.same(r.fifo.lines.slice(1), ['RS [192.0.2.11]:tcp:80 [WEB]:0 DOWN\n']);
  t.same(kernelSn(r.kernel), membersWith(FOUR, ['-r 192.0.2.12:80 -m -w 1']), 'the failed server left every member');

  svc.processResult(1, { ok: false, reason: 'x' });
  svc.processResult(1, { ok: false, reason: 'x' });
  await svc.flush();
  t.ok(r.take().includes('Disabling service [192.0.2.12]:tcp:80 of VS [WEB]:0'));
  t.same(kernelSn(r.kernel), membersWith(FOUR, ['-r 192.0.2.12:80 -m -w 0']), 'inhibit_on_failure: weight 0 in every member');

  svc.processResult(1, { ok: true });
  await svc.flush();
  t.same(kernelSn(r.kernel), membersWith(FOUR, ['-r 192.0.2.12:80 -m -w 1']), 'recovery restores the weight in every member');

  // reload: the range grows by one member; the failed rs1 stays out everywhere
  await r.daemon.reload(configText(groupConf('  192.0.2.100-103 80\n  fwmark 7')));
  await r.daemon.healthService.flush();
  const reload = r.take();
  t.notOk(reload.some((l) => l.startsWith('Removing Virtual Server')), 'the group VS survives the reload');
  const removedAt = reload.indexOf('VS [[192.0.2.100]:tcp:80-192.0.2.102] in group WEB no longer exists');
  const addedAt = reload.indexOf('VS [[192.0.2.100]:tcp:80-192.0.2.103] added into group WEB');
  t.ok(reload.indexOf('Reinitializing ipvs') < removedAt && removedAt < addedAt && addedAt < reload.indexOf('Reload complete'),
    "keepalived's group member lines: the old range goes (clear_diff_vsg), the new one comes (sync_service_vsg)", { reload });
  t.notOk(reload.some((l) => l.includes('FWM 7') || l.includes('VS [7]')), 'the unchanged fwmark member is not mentioned');
  t.same(kernelSn(r.kernel), membersWith([...FOUR, '-t 192.0.2.103:80'], ['-r 192.0.2.12:80 -m -w 1']), 'the new member has the same destinations');

  // reload: a member removed goes from the kernel
  await r.daemon.reload(configText(groupConf('  192.0.2.100-101 80')));
  await r.daemon.healthService.flush();
  t.same(kernelSn(r.kernel), membersWith(['-t 192.0.2.100:80', '-t 192.0.2.101:80'], ['-r 192.0.2.12:80 -m -w 1']));

  await r.daemon.stop();
  t.same(kernelSn(r.kernel), [], 'IPVS is empty after stop');
});

t.test('two groups with the same port stay apart across a reload', async (t) => {
  const two = `${groupConf(MEMBERS)}
virtual_server_group API {
  192.0.2.150 80
}
virtual_server group API {
  lb_algo rr
  protocol TCP
  real_server 192.0.2.21 80 {
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
`;
  const r = await rig(two);
  await r.daemon.healthService.flush();
  r.take();
  const withoutWeb = two.slice(two.indexOf('virtual_server_group API'));
  await r.daemon.reload(configText(withoutWeb));
  await r.daemon.healthService.flush();
  const lines = r.take();
  t.ok(lines.includes('Removing Virtual Server Group [WEB]'), 'WEB is not mistaken for API (keepalived names a group VS by its group)');
  t.same(kernelSn(r.kernel), ['-A -t 192.0.2.150:80 -s rr', '-a -t 192.0.2.150:80 -r 192.0.2.21:80 -m -w 1']);
  await r.daemon.stop();
});

t.test('reload texts for group members (clear_diff_vsge / sync_service_vsg)', async (t) => {
  const prev = { name: 'WEB', entries: [{ address: '192.0.2.100', rangeEnd: 102, port: 80 }, { address: '192.0.2.90', port: 80 }, { fwmark: 7 }] };
  const next = { name: 'WEB', entries: [{ address: '192.0.2.100', rangeEnd: 103, port: 80 }, { address: '192.0.2.90', port: 80 }, { fwmark: 8 }] };
  t.same(groupReloadLines(prev, next, 'tcp', 'tcp'), {
    removed: ['VS [[192.0.2.100]:tcp:80-192.0.2.102] in group WEB no longer exists', 'VS [7] in group WEB no longer exists'],
    added: ['VS [[192.0.2.100]:tcp:80-192.0.2.103] added into group WEB', 'VS [FWM 8] added into group WEB'],
  });
  t.same(groupReloadLines(prev, prev, 'tcp', 'tcp'), { removed: [], added: [] }, 'unchanged members: nothing');
});
