/**
 * The checker process's runtime without root: the config -> settings
 * mapping, the adapter to the ipvs-wrapper's table, and the CheckerDaemon
 * on the ipvs-wrapper's in-memory kernel replaying the reference run's
 * start-up, two reloads and stop (keepalived.{initial,reload1,reload2}.conf
 * from shared/reference/keepalived-2.2.7/checkers), compared with the
 * kernel tables, log lines, FIFO lines and notifies keepalived 2.2.7 produced.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@keepalived-ts/core';
import type { KeepalivedConfig } from '@keepalived-ts/core';
import { FakeIpvsKernel, IP_VS_CONN_F_DROUTE, IP_VS_CONN_F_MASQ, IP_VS_CONN_F_TUNNEL } from '@keepalived-ts/ipvs-wrapper';
import { checkerSettingsFromConfig, scriptLine } from '../src/runtime/settings-from-config.js';
import { IpvsDataPlane, openIpvsDataPlane, toIpvsTable } from '../src/runtime/ipvs-data-plane.js';
import { CheckerDaemon, type CheckerStatus } from '../src/runtime/checker-daemon.js';
import { resolveVirtualServers } from '../src/resolve.js';
import { FIXTURES, MemoryFifo, RecordingNotifier, snapshotSn } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'ckr-runtime-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

function configFrom(file: string): KeepalivedConfig {
  const read = core.readConfigTree(file, { configId: 'test' });
  return core.buildConfig(read.tree).config;
}
function configText(text: string): KeepalivedConfig {
  const file = join(work, `c${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, text);
  return configFrom(file);
}
const initialConf = join(FIXTURES, 'keepalived.initial.conf');
const reload1Conf = join(FIXTURES, 'runtime', 'keepalived.reload1.conf');
const reload2Conf = join(FIXTURES, 'runtime', 'keepalived.reload2.conf');
const N = '/tmp/ckr/notify.sh';

t.test('mapping: the reference configuration', async (t) => {
  const m = checkerSettingsFromConfig(configFrom(initialConf));
  t.same(m.warnings, []);
  t.same(m.configIndex, [0, 1]);
  t.same(m.checkerOrigin, [[[0], [0], [0, 1]], [[0], [0]]]);
  t.same(m.settings.globals, { lvsNotifyFifo: '/tmp/lvs.fifo', checkerLogAllFailures: false, rsInitNotifies: false });
  const [vs1, fwm] = m.settings.virtualServers;
  t.match(vs1, {
    ip: '192.0.2.200', port: 80, protocol: 'tcp', lbAlgo: 'rr', lbKind: 'NAT', delayLoop: 2, quorum: 1, hysteresis: 0,
    quorumUp: `${N} QUORUM_UP vs1`, quorumDown: `${N} QUORUM_DOWN vs1`, sorryServer: { ip: '192.0.2.99', port: 80, inhibit: false },
  });
  t.same(vs1!.realServers[0], {
    ip: '192.0.2.11', port: 80, weight: 1, lbKind: 'NAT', notifyUp: `${N} RS_UP rs1`, notifyDown: `${N} RS_DOWN rs1`, smtpAlert: true,
    checkers: [{ type: 'HTTP_GET', connectTimeout: 2, retry: 1, delayBeforeRetry: 1, url: [{ path: '/health', statusCode: ['200'] }] }],
  });
  t.equal(vs1!.realServers[1]!.inhibitOnFailure, true);
  t.same(vs1!.realServers[2]!.checkers, [
    { type: 'TCP_CHECK', connectTimeout: 2, retry: 1, delayBeforeRetry: 1 },
    { type: 'MISC_CHECK', miscPath: ['/tmp/ckr/misc.sh'], miscTimeout: 5 },
  ]);
  t.match(fwm, { fwmark: 1, lbAlgo: 'wlc', lbKind: 'DR', persistenceTimeout: 30, omega: true });
  t.equal(fwm!.protocol, undefined, 'the protocol of a fwmark service is dropped');
  t.same(fwm!.realServers[1]!.checkers, [{ type: 'TCP_CHECK', connectPort: 80, connectTimeout: 2 }]);

  // what resolve.ts makes of it is what keepalived logged and dumped
  const r = resolveVirtualServers(m.settings.virtualServers);
  t.same(r.warnings, [
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.11]:none:80 has port specified - clearing',
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.12]:none:80 has port specified - clearing',
  ]);
  t.same(r.virtualServers.map((v) => v.realServers.map((rs) => rs.label)),
    [['[192.0.2.11]:tcp:80', '[192.0.2.12]:tcp:80', '[192.0.2.13]:tcp:80'], ['[192.0.2.11]:none:0', '[192.0.2.12]:none:0']]);
  const http = r.virtualServers[0]!.realServers[0]!.checkers[0]!.timing;
  t.same(http, { delayLoopMs: 2000, warmupMs: 2000, retry: 1, delayBeforeRetryMs: 1000, connectTimeoutMs: 2000, alpha: false, logAllFailures: false });
  t.equal(r.virtualServers[0]!.realServers[2]!.checkers[1]!.timing.retry, 0, 'MISC_CHECK retries default to 0');
});

t.test('mapping: every checker type, timers in seconds, globals, SSL', async (t) => {
  const tf = join(work, 'weight');
  writeFileSync(tf, '0\n');
  const config = configText(`
global_defs {
  notify_fifo /tmp/nf
  checker_log_all_failures
  rs_init_notifies
}
track_file tf1 {
  file ${tf}
  weight 3
}
SSL {
  ca /etc/ca.pem
  password secret
}
virtual_server_group G1 {
  192.0.2.50 80
}
virtual_server group G1 {
  protocol TCP
  real_server 192.0.2.1 80 {
    TCP_CHECK {
    }
  }
}
virtual_server 192.0.2.100 53 {
  protocol UDP
  delay_loop 2.5
  warmup 0.25
  alpha
  weight 4
  real_server 192.0.2.1 53 {
    delay_before_retry 0.5
    DNS_CHECK {
      type a
      name example.org
      retry 2
    }
    UDP_CHECK {
      payload 01020304
      require_reply
    }
    UDP_CHECK {
      require_reply 0a0b
    }
    FILE_CHECK {
      track_file tf1
      weight 2 reverse
    }
    SMTP_CHECK {
      helo_name mx.example.org
      host {
        connect_ip 192.0.2.7
        connect_port 25
      }
      host {
        connect_ip 192.0.2.8
      }
    }
    MISC_CHECK {
      misc_path "/bin/sh -c 'exit 0'"
      misc_dynamic
      user nobody
    }
    PING_CHECK {
      bindto 192.0.2.254
    }
    SSL_GET {
      url {
        path /
        digest 0123456789abcdef0123456789abcdef
      }
      http_protocol 1.1
      enable_sni
      fast_recovery
    }
  }
}
`);
  const m = checkerSettingsFromConfig(config);
  t.same(m.configIndex, [0, 1], 'the group service is mapped too (test/vsg.test.ts covers groups)');
  t.same(m.warnings, []);
  t.same(m.settings.virtualServers[0]!.group, { name: 'G1', entries: [{ address: '192.0.2.50', port: 80 }] });
  t.same(m.settings.globals, { notifyFifo: '/tmp/nf', checkerLogAllFailures: true, rsInitNotifies: true });
  t.same(m.ssl, { ca: '/etc/ca.pem', password: 'secret' });
  const vs = m.settings.virtualServers[1]!;
  t.match(vs, { protocol: 'udp', delayLoop: 2.5, warmup: 0.25, alpha: true, weight: 4 });
  const rs = vs.realServers[0]!;
  t.equal(rs.delayBeforeRetry, 0.5);
  t.same(rs.checkers, [
    { type: 'DNS_CHECK', retry: 2, queryType: 'A', name: 'example.org' },
    { type: 'UDP_CHECK', payload: '01020304', requireReply: true },
    { type: 'UDP_CHECK', requireReply: '0a0b' },
    { type: 'FILE_CHECK', file: tf, weight: 2, reverse: true },
    { type: 'SMTP_CHECK', heloName: 'mx.example.org', connectIp: '192.0.2.7', connectPort: 25 },
    { type: 'SMTP_CHECK', heloName: 'mx.example.org', connectIp: '192.0.2.8' },
    { type: 'MISC_CHECK', miscPath: ['/bin/sh', '-c', 'exit 0'], miscDynamic: true, user: 'nobody' },
    { type: 'PING_CHECK', bindto: '192.0.2.254' },
    {
      type: 'SSL_GET', url: [{ path: '/', digest: '0123456789abcdef0123456789abcdef' }], httpProtocol: '1.1', enableSni: true, fastRecovery: true,
    },
  ]);
  t.same(m.checkerOrigin[1], [[0, 1, 2, 3, 4, 4, 5, 6, 7]], 'both SMTP hosts point at their one block');
});

t.test('scriptLine keeps argv through splitCommand', async (t) => {
  t.equal(scriptLine({ args: ['/bin/echo', 'a b', "it's"], text: '' }), `/bin/echo 'a b' 'it'"'"'s'`);
  t.equal(scriptLine(undefined), undefined);
});

t.test('toIpvsTable: services, fwmark, forwarding, persistence, extras, timeouts', async (t) => {
  const table = toIpvsTable({
    services: [
      { key: '[192.0.2.1]:udp:53', family: 4, protocol: 'udp', address: '192.0.2.1', port: 53, scheduler: 'rr',
        destinations: [{ address: '192.0.2.10', port: 53, weight: 0, forwarding: 'NAT' }] },
      { key: 'FWM 7', family: 6, protocol: 'none', port: 0, fwmark: 7, scheduler: 'nonsense', persistenceTimeout: 30,
        destinations: [{ address: '2001:db8::1', port: 0, weight: 2, forwarding: 'DR' }, { address: '2001:db8::2', port: 0, weight: 1, forwarding: 'TUN' }] },
    ],
  }, { extras: new Map([['FWM 7', { flags: ['sh-port'], persistenceGranularity: '64' }]]), timeouts: { tcp: 0, udp: 20 } });
  t.same(table, {
    virtualServers: [
      { scheduler: 'rr', address: '192.0.2.1', port: 53, protocol: 'udp',
        destinations: [{ address: '192.0.2.10', port: 53, weight: 0, forwarding: 'nat' }] },
      { scheduler: 'wlc', fwmark: 7, family: 'ipv6', persistenceTimeout: 30, flags: ['sh-port'], persistenceGranularity: '64',
        destinations: [{ address: '2001:db8::1', port: 0, weight: 2, forwarding: 'dr' }, { address: '2001:db8::2', port: 0, weight: 1, forwarding: 'tun' }] },
    ],
    timeouts: { tcp: 0, udp: 20 },
  });
  t.notOk('timeouts' in toIpvsTable({ services: [] }, { timeouts: {} }), 'no lvs_timeouts: the kernel keeps its own');
});

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

interface Rig {
  kernel: FakeIpvsKernel;
  log: core.MemoryLogger;
  fifo: MemoryFifo;
  notifier: RecordingNotifier;
  statuses: CheckerStatus[];
  daemon: CheckerDaemon;
  take(): string[];
}

async function rig(file: string, opts: { ipvs?: boolean; dontReleaseIpvs?: boolean } = {}): Promise<Rig> {
  const kernel = new FakeIpvsKernel({ ipvsAvailable: opts.ipvs ?? true });
  const log = core.createMemoryLogger();
  const fifo = new MemoryFifo();
  const notifier = new RecordingNotifier();
  const statuses: CheckerStatus[] = [];
  let seen = 0;
  const daemon = await CheckerDaemon.start({
    config: configFrom(file),
    log,
    dontReleaseIpvs: opts.dontReleaseIpvs ?? false,
    openDataPlane: (o) => openIpvsDataPlane(kernel.native, log, o, { modprobe: async () => {} }),
    serviceDeps: { probes: false, fifo, notifier, random: () => 0, bootstrapDelayMs: 0 },
    onStatus: (s) => statuses.push(s),
  });
  const take = () => {
    const lines = log.lines.slice(seen).map((l) => l.text);
    seen = log.lines.length;
    return lines;
  };
  return { kernel, log, fifo, notifier, statuses, daemon, take };
}

const ACTIVATING = [
  'Activating healthchecker for service [192.0.2.11]:tcp:80 for VS [192.0.2.200]:tcp:80',
  'Activating healthchecker for service [192.0.2.12]:tcp:80 for VS [192.0.2.200]:tcp:80',
  'Activating healthchecker for service [192.0.2.13]:tcp:80 for VS [192.0.2.200]:tcp:80',
  'Activating healthchecker for service [192.0.2.13]:tcp:80 for VS [192.0.2.200]:tcp:80',
  'Activating healthchecker for service [192.0.2.11]:none:0 for VS FWM 1',
  'Activating healthchecker for service [192.0.2.12]:none:0 for VS FWM 1',
  'Activating BFD healthchecker',
];

t.test('daemon on an IPVS kernel: start-up, reload 1 and 2, stop as keepalived 2.2.7', async (t) => {
  const r = await rig(initialConf);
  t.same(r.take(), [
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.11]:none:80 has port specified - clearing',
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.12]:none:80 has port specified - clearing',
    'Initializing ipvs',
    'Gained quorum 1+0=1 <= 3 for VS [192.0.2.200]:tcp:80',
    'Gained quorum 1+0=1 <= 3 for VS FWM 1',
    'Startup complete',
    ...ACTIVATING,
  ]);
  await r.daemon.healthService.flush();
  t.same(kernelSn(r.kernel), snapshotSn('01-all-up'), 'kernel table = 01-all-up');
  t.equal(r.daemon.dataPlaneState, 'ipvs');
  t.same(r.fifo.lines, ['VS [192.0.2.200]:tcp:80 UP\n', 'VS FWM 1 UP\n']);
  t.equal(r.statuses.at(-1)?.dataPlane, 'ipvs');
  t.equal(r.statuses.at(-1)?.virtualServers[0]?.realServers.length, 3);

  // reload 1: rs1's weight 1 -> 3
  await r.daemon.reload(configFrom(reload1Conf));
  await r.daemon.healthService.flush();
  t.same(r.take(), [
    'Reloading',
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.11]:none:80 has port specified - clearing',
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.12]:none:80 has port specified - clearing',
    'Reinitializing ipvs',
    'Changing weight from 1 to 3 for active service [192.0.2.11]:tcp:80 of VS [192.0.2.200]:tcp:80',
    'Reload complete',
    ...ACTIVATING,
  ]);
  t.same(kernelSn(r.kernel), snapshotSn('06-after-reload1-weight'), 'kernel table = 06-after-reload1');
  t.equal(r.fifo.lines.length, 2, 'a weight-only reload writes nothing to the FIFO');

  // reload 2: rs3 removed
  const notifiesBefore = r.notifier.calls.length;
  await r.daemon.reload(configFrom(reload2Conf));
  await r.daemon.healthService.flush();
  t.same(r.take(), [
    'Reloading',
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.11]:none:80 has port specified - clearing',
    'WARNING - fwmark virtual server FWM 1, real server [192.0.2.12]:none:80 has port specified - clearing',
    'Reinitializing ipvs',
    'service [192.0.2.13]:tcp:80 no longer exist',
    'Removing service [192.0.2.13]:tcp:80 from VS [192.0.2.200]:tcp:80',
    'Reload complete',
    ...ACTIVATING.filter((l) => !l.includes('192.0.2.13')),
  ]);
  t.same(kernelSn(r.kernel), snapshotSn('07-after-reload2-rs3-removed'), 'kernel table = 07-after-reload2');
  t.same(r.fifo.lines.slice(2), ['RS [192.0.2.13]:tcp:80 [192.0.2.200]:tcp:80 DOWN\n']);
  t.same(r.notifier.calls.slice(notifiesBefore).map((c) => c.command), [`${N} RS_DOWN rs3`]);

  // the dump sees the reloaded state
  const data = r.daemon.dataFile();
  t.equal(data.file, 'keepalived_check.data');
  t.match(data.text, /RIP = 192\.0\.2\.11, RPORT = 80, WEIGHT = 3/);
  t.notMatch(data.text, /192\.0\.2\.13/);

  // stop: clear_services, omega VS notifies, kernel emptied
  await r.daemon.stop();
  t.same(r.take(), [
    'Shutting down service [192.0.2.11]:tcp:80 from VS [192.0.2.200]:tcp:80',
    'Shutting down service [192.0.2.12]:tcp:80 from VS [192.0.2.200]:tcp:80',
    'Shutting down service [192.0.2.11]:none:0 from VS FWM 1',
    'Shutting down service [192.0.2.12]:none:0 from VS FWM 1',
  ]);
  t.same(r.fifo.lines.slice(3), ['RS [192.0.2.11]:none:0 FWM 1 DOWN\n', 'RS [192.0.2.12]:none:0 FWM 1 DOWN\n', 'VS FWM 1 DOWN\n']);
  t.same(kernelSn(r.kernel), [], 'IPVS is empty after stop');
});

t.test('daemon: a real server down and back through the data plane, dump of the failure', async (t) => {
  const r = await rig(initialConf);
  const svc = r.daemon.healthService;
  // rs1's HTTP checker (id 0) fails twice (retry 1)
  svc.processResult(0, { ok: false, reason: 'x' });
  svc.processResult(0, { ok: false, reason: 'x' });
  await svc.flush();
  t.ok(r.take().includes('Removing service [192.0.2.11]:tcp:80 from VS [192.0.2.200]:tcp:80'));
  t.notOk(kernelSn(r.kernel).includes('-a -t 192.0.2.200:80 -r 192.0.2.11:80 -m -w 1'), 'rs1 left the kernel table');
  t.match(r.daemon.dataFile().text, /RIP = 192\.0\.2\.11[\s\S]*?alive = 0[\s\S]*?num failed checkers = 1[\s\S]*?RS set = 0/);
  t.match(r.daemon.dataFile().text, /-> \[192\.0\.2\.11\]:tcp:80\n {3}Enabled = yes\n {3}Up = no/);
  t.same(r.daemon.status().virtualServers[0]!.realServers[0], { server: '[192.0.2.11]:tcp:80', alive: false, inTable: false, weight: 0 });
  await r.daemon.stop();
});

t.test('daemon without IPVS: one error, checkers keep notifying, status says unavailable', async (t) => {
  const r = await rig(initialConf, { ipvs: false });
  const lines = r.log.lines.filter((l) => /ipvs/i.test(l.text));
  t.same(lines.map((l) => l.text), [
    'Initializing ipvs',
    "IPVS: Can't initialize ipvs: kernel has no IP Virtual Server support (module ip_vs not available) - health checkers keep running without a data plane",
  ]);
  t.equal(lines[1]!.priority, core.Priority.err);
  t.equal(r.daemon.dataPlaneState, 'unavailable');
  t.match(r.daemon.status(), { dataPlane: 'unavailable', dataPlaneError: /ip_vs/ });
  const svc = r.daemon.healthService;
  svc.processResult(0, { ok: false, reason: 'x' });
  svc.processResult(0, { ok: false, reason: 'x' });
  await svc.settleNotifies();
  t.ok(r.take().includes('Removing service [192.0.2.11]:tcp:80 from VS [192.0.2.200]:tcp:80'));
  t.same(r.fifo.lines.at(-1), 'RS [192.0.2.11]:tcp:80 [192.0.2.200]:tcp:80 DOWN\n');
  t.same(r.notifier.calls.at(-1)?.command, `${N} RS_DOWN rs1`);
  await r.daemon.reload(configFrom(reload1Conf));
  t.equal(r.log.lines.filter((l) => /Can't initialize ipvs/.test(l.text)).length, 1, 'the error is not repeated on reload');
  await r.daemon.stop();
  t.equal(r.kernel.requests.length, 0, 'nothing was sent to IPVS');
});

t.test('daemon -I: stop leaves IPVS and runs no shutdown', async (t) => {
  const r = await rig(initialConf, { dontReleaseIpvs: true });
  await r.daemon.healthService.flush();
  r.take();
  await r.daemon.stop();
  t.same(r.take(), []);
  t.same(kernelSn(r.kernel), snapshotSn('01-all-up'));
});

t.test('daemon lvs_flush_on_stop / lvs_flush: the table is flushed, only VS notifies', async (t) => {
  const conf = join(work, 'flush.conf');
  const base = readFileSync(initialConf, 'utf8');
  writeFileSync(conf, base.replace('global_defs {', 'global_defs {\n    lvs_flush\n    lvs_flush_on_stop'));
  const r = await rig(conf);
  t.ok(r.kernel.commandNames().includes('IPVS_CMD_FLUSH'), 'lvs_flush flushes at start');
  await r.daemon.healthService.flush();
  r.take();
  await r.daemon.stop();
  t.same(r.take(), [], 'no per-server lines with a flush');
  t.same(r.fifo.lines.slice(2), ['VS FWM 1 DOWN\n'], 'only the omega VS notifies');
  t.same(kernelSn(r.kernel), []);
  t.equal(r.kernel.commandNames().at(-1), 'IPVS_CMD_FLUSH');
});

t.test('IpvsDataPlane.unavailable keeps the last desired table', async (t) => {
  const p = IpvsDataPlane.unavailable('why');
  await p.apply({ services: [] });
  t.same(p.lastDesired, { services: [] });
  t.equal(p.state, 'unavailable');
  t.equal(p.reason, 'why');
  await p.stop();
});

t.test('daemon lvs_timeouts: set while running, the kernel values restored on stop', async (t) => {
  const conf = join(work, 'timeouts.conf');
  writeFileSync(conf, readFileSync(initialConf, 'utf8').replace('global_defs {', 'global_defs {\n    lvs_timeouts tcp 901 tcpfin 61 udp 31'));
  const r = await rig(conf);
  await r.daemon.healthService.flush();
  t.same(r.kernel.timeouts, { tcp: 901, tcpFin: 61, udp: 31 });
  await r.daemon.stop();
  t.same(r.kernel.timeouts, { tcp: 900, tcpFin: 120, udp: 300 });
});

t.test('daemon reload: a failed server stays out, a removed service goes with its servers', async (t) => {
  const r = await rig(initialConf);
  const svc = r.daemon.healthService;
  svc.processResult(0, { ok: false, reason: 'x' });
  svc.processResult(0, { ok: false, reason: 'x' });
  await svc.flush();
  r.take();
  const fifoBefore = r.fifo.lines.length;
  // the same file minus the fwmark service
  const text = readFileSync(initialConf, 'utf8');
  const conf = join(work, 'no-fwm.conf');
  writeFileSync(conf, text.slice(0, text.indexOf('virtual_server fwmark 1')));
  await r.daemon.reload(configFrom(conf));
  await r.daemon.healthService.flush();
  const lines = r.take();
  t.ok(lines.includes('Removing Virtual Server FWM 1'));
  t.ok(lines.includes('Removing service [192.0.2.11]:none:0 from VS FWM 1'));
  t.ok(lines.includes('Removing service [192.0.2.12]:none:0 from VS FWM 1'));
  t.notOk(lines.some((l) => l.includes('[192.0.2.11]:tcp:80') && !l.startsWith('Activating')), 'nothing happens to the failed rs1');
  t.same(r.fifo.lines.slice(fifoBefore), [
    'RS [192.0.2.11]:none:0 FWM 1 DOWN\n', 'RS [192.0.2.12]:none:0 FWM 1 DOWN\n', 'VS FWM 1 DOWN\n',
  ]);
  t.same(kernelSn(r.kernel), [
    '-A -t 192.0.2.200:80 -s rr', '-a -t 192.0.2.200:80 -r 192.0.2.12:80 -m -w 1', '-a -t 192.0.2.200:80 -r 192.0.2.13:80 -m -w 1',
  ], 'FWM 1 deleted, rs1 still out of the table');
  const rs1 = r.daemon.status().virtualServers[0]!.realServers[0]!;
  t.same(rs1, { server: '[192.0.2.11]:tcp:80', alive: false, inTable: false, weight: 0 });
  // the migrated checker is down and has run: one success brings rs1 back
  r.daemon.healthService.processResult(0, { ok: true });
  r.daemon.healthService.processResult(0, { ok: true });
  await r.daemon.healthService.flush();
  t.ok(r.take().includes('Adding service [192.0.2.11]:tcp:80 to VS [192.0.2.200]:tcp:80'));
  await r.daemon.stop();
});
