/**
 * The IPVS suite, run INSIDE the vm-run guest (conformance/test/ipvs-kernel.test.ts boots
 * once and runs `node conformance/dist/ipvs/kernel-suite.js`). Each check prints one JSON
 * line {check, ok, ...details}; the host test asserts them. Sections:
 *  A/B  per topology: our reconciler's table vs the table `ipvsadm -R` builds (same topology)
 *  C    a 1% change, an inhibited server, a removed service; re-applying sends nothing
 *  D    edits behind our back with ipvsadm; resync restores the table
 *  E    GET_INFO, timeouts, sync daemons, kernel errors
 *  G    ipvsadm's captured commands replayed through our client (golden-replay.ts)
 */
import { loadNative } from '@keepalived-ts/native';
import {
  IP_VS_STATE_BACKUP, IP_VS_STATE_MASTER, IpvsClient, IpvsReconciler, type DesiredTable, type Logger,
} from '@keepalived-ts/ipvs-wrapper';
import { replayGolden } from './golden-replay.js';
import {
  compareViews, delNetns, emit, ipvsModules, ipvsadm, newNetns, restore, run, tableViews,
} from './guest-lib.js';
import {
  FEATURE_TOPOLOGY, GROUP_TOPOLOGY, SCHEDULERS, bigTopology, changedTopology, ipvsadmRules, schedulerTopology,
} from './topologies.js';

const native = loadNative();
const logs: string[] = [];
const logger: Logger = { info: (s) => logs.push(s), warn: (s) => logs.push(s), error: (s) => logs.push(s) };
const REF_NS = `ipvsref-${process.pid}`;

function errnoOf(e: unknown): number | undefined {
  return (e as { errno?: number }).errno;
}

/** A: reconciler -> views, our flush; B: ipvsadm -R -> views; compare; ipvsadm -C. */
async function compareTopology(name: string, table: DesiredTable, rules: string[]): Promise<void> {
  logs.length = 0;
  const client = await IpvsClient.open(native, logger);
  try {
    const rec = new IpvsReconciler(client, logger);
    const report = await rec.apply(table);
    const ours = tableViews();
    const timeoutsOurs = ipvsadm(['-L', '--timeout']).out.trim();
    await client.flush();
    const afterFlush = ipvsadm(['-Sn']).out.trim();
    const r = restore(rules);
    const theirs = tableViews();
    const diff = compareViews(ours, theirs);
    emit(`topology:${name}`, diff.equal && r.rc === 0 && afterFlush === '' && report.failures.length === 0, {
      services: ours.save.filter((l) => l.startsWith('-A')).length,
      dests: ours.save.filter((l) => l.startsWith('-a')).length,
      commands: report.commands, failures: report.failures.map((f) => f.error.message), restoreRc: r.rc, restoreOut: r.out,
      flushedEmpty: afterFlush === '', ...diff, timeouts: timeoutsOurs, logs: [...logs],
      save: ours.save, modules: ipvsModules(),
    });
    ipvsadm(['-C']);
  } finally {
    client.close();
  }
}

/** The schedulers: every available one loads as a module; a missing one fails alike for both. */
async function schedulers(): Promise<void> {
  const available = SCHEDULERS.filter((s) => run(['modprobe', '-n', `ip_vs_${s}`]).rc === 0);
  const missing = SCHEDULERS.filter((s) => !available.includes(s));
  await compareTopology('schedulers', schedulerTopology(available), ipvsadmRules(schedulerTopology(available)));
  const mods = ipvsModules();
  emit('schedulers:modules', available.every((s) => mods.includes(`ip_vs_${s}`)), {
    available, missing, loaded: mods, kernel: run(['uname', '-r']).out.trim(),
  });
  for (const s of missing) {
    logs.length = 0;
    const client = await IpvsClient.open(native, logger);
    const report = await new IpvsReconciler(client, logger).apply(schedulerTopology([s]));
    client.close();
    const failure = report.failures[0];
    const theirs = ipvsadm(['-A', '-t', '192.0.2.1:8001', '-s', s]);
    const ourErrno = failure ? errnoOf(failure.error) : undefined;
    emit(`schedulers:missing:${s}`, ourErrno === 2 && theirs.rc !== 0 && /Scheduler or persistence engine not found/.test(theirs.out)
      && logs.some((l) => l.includes('Scheduler or persistence engine not found')), {
      ourErrno, ourLog: [...logs], ipvsadmRc: theirs.rc, ipvsadmOut: theirs.out.trim(), left: ipvsadm(['-Sn']).out.trim(),
    });
    ipvsadm(['-C']);
  }
}

/** C and D: a big table, a 1% change, idempotence, then edits behind our back and resync. */
async function changesAndResync(): Promise<void> {
  newNetns(REF_NS);
  const client = await IpvsClient.open(native, logger);
  try {
    const rec = new IpvsReconciler(client, logger);
    const big = bigTopology(100, 10);
    const first = await rec.apply(big);
    const refFirst = restore(ipvsadmRules(big), REF_NS);
    const d1 = compareViews(tableViews(), tableViews(REF_NS));
    emit('change:initial', d1.equal && refFirst.rc === 0 && first.commands === 1100 && first.failures.length === 0,
      { commands: first.commands, dumps: first.dumps, ...d1 });

    const changed = changedTopology(big);
    const sent0 = client.socket.counters.messagesSent;
    const second = await rec.apply(changed.table);
    const sentChange = client.socket.counters.messagesSent - sent0;
    ipvsadm(['-C'], REF_NS);
    const refChanged = restore(ipvsadmRules(changed.table), REF_NS);
    const d2 = compareViews(tableViews(), tableViews(REF_NS));
    const inhibited = tableViews().save.filter((l) => / -w 0$/.test(l));
    emit('change:one-percent', d2.equal && refChanged.rc === 0 && second.commands === changed.commands && sentChange === changed.commands
      && second.dumps === 0 && inhibited.length === 1, {
      expectedCommands: changed.commands, commands: second.commands, dumps: second.dumps, messagesSent: sentChange, inhibited, ...d2,
    });

    const sent1 = client.socket.counters.messagesSent;
    const third = await rec.apply(changed.table);
    emit('change:reapply-sends-nothing', third.commands === 0 && third.dumps === 0 && client.socket.counters.messagesSent === sent1,
      { commands: third.commands, dumps: third.dumps, messagesSent: client.socket.counters.messagesSent - sent1 });

    // D: behind our back (service 3 deleted, a weight, a server, a scheduler; a foreign server and service added)
    const edits = [
      ['-D', '-t', '192.0.2.1:10003'],
      ['-e', '-t', '192.0.2.1:10005', '-r', '198.51.100.2:20005', '-m', '-w', '77'],
      ['-d', '-t', '192.0.2.1:10006', '-r', '198.51.100.4:20006'],
      ['-E', '-t', '192.0.2.1:10007', '-s', 'rr'],
    ];
    const foreign = [
      ['-a', '-t', '192.0.2.1:10008', '-r', '198.51.100.200:20008', '-m', '-w', '1'],
      ['-A', '-t', '192.0.2.99:80', '-s', 'rr'],
    ];
    const editRcs = [...edits, ...foreign].map((a) => ipvsadm(a).rc);
    for (const a of foreign) ipvsadm(a, REF_NS);
    const apply = await rec.apply(changed.table);
    const stillBroken = compareViews(tableViews(), tableViews(REF_NS));
    const resync = await rec.resync();
    const d3 = compareViews(tableViews(), tableViews(REF_NS));
    // NEW_SERVICE + 10 NEW_DEST (service 3), SET_DEST, NEW_DEST, SET_SERVICE
    emit('resync:restores', editRcs.every((rc) => rc === 0) && apply.commands === 0 && !stillBroken.equal && d3.equal
      && resync.commands === 14 && resync.failures.length === 0 && !rec.ownedServices().some((k) => k.includes('192.0.2.99')), {
      editRcs, applyWithoutResync: apply.commands, resyncCommands: resync.commands, resyncDumps: resync.dumps, ...d3,
    });
    const again = await rec.apply(changed.table);
    emit('resync:then-nothing', again.commands === 0, { commands: again.commands });
    const stop = await rec.stop();
    const left = ipvsadm(['-Sn']).out.trim().split('\n');
    emit('stop:removes-only-ours', left.length === 1 && left[0] === '-A -t 192.0.2.99:80 -s rr' && stop.commands === 99,
      { stopCommands: stop.commands, left });
    ipvsadm(['-C']);
  } finally {
    client.close();
    delNetns(REF_NS);
  }
}

/** E: GET_INFO, timeouts, sync daemons and the kernel's refusals, each checked against ipvsadm/proc. */
async function kernelBasics(): Promise<void> {
  const client = await IpvsClient.open(native, logger);
  try {
    const info = await client.getInfo();
    const proc = run(['head', '-n', '1', '/proc/net/ip_vs']).out.trim();
    const m = /version (\d+)\.(\d+)\.(\d+) \(size=(\d+)\)/.exec(proc);
    const procVersion = m ? (Number(m[1]) << 16) | (Number(m[2]) << 8) | Number(m[3]) : -1;
    emit('info', info.version === procVersion && info.connTabSize === Number(m?.[4]), { info, proc, familyId: client.family.id });

    await client.setTimeouts({ tcp: 901, tcpFin: 121, udp: 301 });
    const shown = ipvsadm(['-L', '--timeout']).out.trim();
    const got = await client.getTimeouts();
    ipvsadm(['--set', '902', '122', '302']);
    const got2 = await client.getTimeouts();
    emit('timeouts', shown === 'Timeout (tcp tcpfin udp): 901 121 301' && JSON.stringify(got) === JSON.stringify({ tcp: 901, tcpFin: 121, udp: 301 })
      && JSON.stringify(got2) === JSON.stringify({ tcp: 902, tcpFin: 122, udp: 302 }), { shown, got, got2 });
    ipvsadm(['--set', '900', '120', '300']);

    run(['ip', 'link', 'add', 'ipsync0', 'type', 'dummy']);
    run(['ip', 'link', 'set', 'ipsync0', 'multicast', 'on', 'up']);
    await client.startDaemon({ state: IP_VS_STATE_MASTER, mcastIfn: 'ipsync0', syncId: 5 });
    await client.startDaemon({ state: IP_VS_STATE_BACKUP, mcastIfn: 'ipsync0', syncId: 6, syncMaxLen: 1400, mcastGroup: '224.0.0.82', mcastPort: 8849, mcastTtl: 2 });
    const listed = ipvsadm(['-L', '--daemon']).out.trim().split('\n');
    const daemons = await client.getDaemons();
    let again: number | undefined;
    try {
      await client.startDaemon({ state: IP_VS_STATE_MASTER, mcastIfn: 'ipsync0', syncId: 5 });
    } catch (e) {
      again = errnoOf(e);
    }
    await client.stopDaemon({ state: IP_VS_STATE_MASTER, syncId: 5 });
    await client.stopDaemon({ state: IP_VS_STATE_BACKUP, syncId: 6 });
    const afterStop = ipvsadm(['-L', '--daemon']).out.trim();
    let stopAgain: number | undefined;
    try {
      await client.stopDaemon({ state: IP_VS_STATE_MASTER, syncId: 5 });
    } catch (e) {
      stopAgain = errnoOf(e);
    }
    const master = daemons.find((d) => d.state === IP_VS_STATE_MASTER);
    const backup = daemons.find((d) => d.state === IP_VS_STATE_BACKUP);
    emit('sync-daemon', listed.includes('master sync daemon (mcast=ipsync0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)')
      && listed.includes('backup sync daemon (mcast=ipsync0, syncid=6, maxlen=1400, group=224.0.0.82, port=8849, ttl=2)')
      && master?.mcastIfn === 'ipsync0' && master.syncId === 5 && backup?.syncId === 6 && backup.mcastGroup === '224.0.0.82'
      && backup.mcastPort === 8849 && backup.mcastTtl === 2 && backup.syncMaxLen === 1400
      && again === 17 && afterStop === '' && stopAgain === 3, { listed, daemons, again, afterStop, stopAgain });
    run(['ip', 'link', 'del', 'ipsync0']);

    // refusals come back with the kernel's errno and keepalived's texts
    const svc = { af: 2, fwmark: 0, protocol: 6, address: '192.0.2.1', port: 80, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff };
    await client.newService(svc);
    const errors: Record<string, unknown> = {};
    for (const [label, op] of [
      ['exists', () => client.newService(svc)],
      ['no-sched', () => client.newService({ ...svc, port: 81, scheduler: 'nosuch' })],
      ['no-service', () => client.delService({ ...svc, port: 82 })],
      ['no-dest', () => client.delDest(svc, { af: 2, address: '198.51.100.1', port: 80, fwdMethod: 0, weight: 1, upperThreshold: 0, lowerThreshold: 0 })],
    ] as const) {
      try {
        await op();
        errors[label] = 'accepted';
      } catch (e) {
        errors[label] = { errno: errnoOf(e), code: (e as { code?: string }).code, message: (e as Error).message };
      }
    }
    const errnoIs = (k: string, n: number): boolean => (errors[k] as { errno?: number } | undefined)?.errno === n;
    emit('errors', errnoIs('exists', 17) && errnoIs('no-sched', 2) && errnoIs('no-service', 3) && errnoIs('no-dest', 2)
      && /Service already exists/.test(JSON.stringify(errors.exists)) && /No such destination/.test(JSON.stringify(errors['no-dest'])), { errors });
    ipvsadm(['-C']);
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const mod = run(['modprobe', 'ip_vs']);
  emit('ip_vs', mod.rc === 0, { out: mod.out });
  const steps: [string, () => Promise<void>][] = [
    ['schedulers', schedulers],
    ['features', () => compareTopology('features', FEATURE_TOPOLOGY, ipvsadmRules(FEATURE_TOPOLOGY))],
    ['group', () => compareTopology('group', GROUP_TOPOLOGY, ipvsadmRules(GROUP_TOPOLOGY))],
    ['changes', changesAndResync],
    ['basics', kernelBasics],
    ['golden', () => replayGolden(native)],
  ];
  for (const [name, fn] of steps) {
    const t0 = Date.now();
    try {
      await fn();
    } catch (e) {
      emit(`crash:${name}`, false, { error: (e as Error).stack ?? String(e) });
    }
    emit(`timing:${name}`, true, { ms: Date.now() - t0 });
    ipvsadm(['-C']);
  }
  emit('done', true);
}

await main();
