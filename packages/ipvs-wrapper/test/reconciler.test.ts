import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  FakeIpvsKernel, IpvsClient, IpvsReconciler, IPVS_CMD_DEL_DEST, IPVS_CMD_NEW_SERVICE, IPVS_CMD_SET_DEST,
  expandAddressRange, type DesiredTable, type DesiredVirtualServer, type Logger, type ReconcilerOptions,
} from '../src/index.js';

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../test/fixtures/keepalived-2.2.7-ipvs-sendmsg.json', import.meta.url)), 'utf8')) as {
  messages: { process: string; cmd: string; hex: string }[];
};

interface Rig { fake: FakeIpvsKernel; client: IpvsClient; rec: IpvsReconciler; sent: Buffer[]; logs: string[] }

async function rig(opts: ReconcilerOptions = {}, prepare?: (fake: FakeIpvsKernel) => void): Promise<Rig> {
  const fake = new FakeIpvsKernel();
  prepare?.(fake);
  const sent: Buffer[] = [];
  const logs: string[] = [];
  const logger: Logger = { info: (s) => logs.push(`info ${s}`), warn: (s) => logs.push(`warn ${s}`), error: (s) => logs.push(`error ${s}`) };
  const client = await IpvsClient.open(fake.native, logger, { onSend: (b) => sent.push(Buffer.from(b)) });
  fake.clearLog();
  sent.length = 0;
  return { fake, client, rec: new IpvsReconciler(client, logger, opts), sent, logs };
}

const names = (r: Rig): string[] => r.fake.commandNames().map((n) => n.replace('IPVS_CMD_', ''));

// The configuration of test/fixtures/capture-keepalived.conf as a desired table.
const captureTable: DesiredTable = {
  virtualServers: [
    { address: '192.0.2.200', port: 80, protocol: 'tcp', scheduler: 'rr', destinations: [{ address: '192.0.2.11', port: 8080, forwarding: 'nat', weight: 1 }] },
    { fwmark: 1, scheduler: 'wlc', persistenceTimeout: 30, destinations: [{ address: '192.0.2.12', port: 80, forwarding: 'dr', weight: 2 }] },
    {
      address: '2001:db8::1', port: 443, protocol: 'tcp', scheduler: 'sh', flags: ['sh-port', 'sh-fallback'], persistenceTimeout: 300, persistenceGranularity: 64,
      destinations: [{ address: '2001:db8::11', port: 443, forwarding: 'tun', tunnel: { type: 'gue', port: 6080, checksum: 'csum' }, weight: 3, upperThreshold: 100, lowerThreshold: 10 }],
    },
    {
      address: '192.0.2.201', port: 5060, protocol: 'udp', scheduler: 'mh', flags: ['mh-port', 'ops'], persistenceTimeout: 60,
      persistenceGranularity: '255.255.255.0', persistenceEngine: 'sip',
      destinations: [{ address: '192.0.2.13', port: 5060, forwarding: 'tun', tunnel: { type: 'gre', checksum: 'csum' }, weight: 4 }],
    },
    { group: [{ address: '192.0.2.50-52', port: 80 }], protocol: 'tcp', scheduler: 'lc', destinations: [{ address: '192.0.2.14', port: 80, forwarding: 'nat', weight: 1 }] },
  ],
};

t.test('start with lvs_flush: exact commands, and the bytes are keepalived\'s', async (t) => {
  const r = await rig({ flushOnStart: true });
  const report = await r.rec.apply(captureTable);
  t.same(names(r), [
    'FLUSH', 'NEW_SERVICE', 'NEW_DEST', 'NEW_SERVICE', 'NEW_DEST', 'NEW_SERVICE', 'NEW_DEST', 'NEW_SERVICE', 'NEW_DEST',
    'NEW_SERVICE', 'NEW_DEST', 'NEW_SERVICE', 'NEW_DEST', 'NEW_SERVICE', 'NEW_DEST',
  ]);
  t.same(report, { commands: 15, dumps: 0, rounds: 1, failures: [], problems: [] });
  // keepalived's startup messages (FLUSH .. last NEW_DEST) without seq/pid: the same multiset of bytes.
  const body = (hex: string): string => hex.slice(0, 16) + hex.slice(32);
  const theirs = fixture.messages.filter((m) => m.process === 'checker').slice(3, 18).map((m) => body(m.hex).replace(/^(.{8})4000/, '$1XXXX'));
  const ours = r.sent.map((b) => body(b.toString('hex')).replace(/^(.{8})1c00/, '$1XXXX'));
  t.same([...ours].sort(), [...theirs].sort(), 'same 15 messages, byte for byte');
  // keepalived adds all group services before their destinations; we keep each service with its destinations.
  t.equal(r.fake.services.size, 7);
  t.equal([...r.fake.services.values()].reduce((n, s) => n + s.dests.size, 0), 7);
});

t.test('applying the same table twice sends nothing the second time', async (t) => {
  const r = await rig({ flushOnStart: true });
  await r.rec.apply(captureTable);
  r.fake.clearLog();
  const again = await r.rec.apply(structuredClone(captureTable));
  t.same(names(r), []);
  t.equal(again.commands + again.dumps, 0);
});

t.test('changes send only what differs, in a safe order', async (t) => {
  const r = await rig({ flushOnStart: true });
  await r.rec.apply(captureTable);
  r.fake.clearLog();
  const next = structuredClone(captureTable);
  const vs1 = next.virtualServers[0]!;
  vs1.scheduler = 'wrr';
  vs1.destinations[0]!.weight = 5;
  vs1.destinations.push({ address: '192.0.2.15', port: 8080, forwarding: 'nat', weight: 1 });
  next.virtualServers[1]!.destinations[0]!.inhibited = true; // inhibit_on_failure: weight 0, not deleted
  next.virtualServers[2]!.destinations = [];
  next.virtualServers.splice(3, 1);
  await r.rec.apply(next);
  t.same(names(r), ['SET_SERVICE', 'SET_DEST', 'NEW_DEST', 'SET_DEST', 'DEL_DEST', 'DEL_SERVICE']);
  const inhibited = r.fake.requests[3]!.message;
  t.match(inhibited.dest, { address: '192.0.2.12', weight: 0 });
  t.equal(r.fake.find({ af: 2, fwmark: 1, protocol: 0, address: '0.0.0.0', port: 0 })!.dests.size, 1, 'inhibited dest kept');
  t.notOk(r.fake.find({ af: 2, fwmark: 0, protocol: 17, address: '192.0.2.201', port: 5060 }), 'removed service gone');
});

t.test('entries we did not create are left alone; stop removes only ours', async (t) => {
  const foreign = { af: 2, fwmark: 0, protocol: 6, address: '198.51.100.9', port: 25, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff };
  const r = await rig({}, (fake) => fake.insertService(foreign, [{ af: 2, address: '198.51.100.10', port: 25, fwdMethod: 0, weight: 1, upperThreshold: 0, lowerThreshold: 0 }]));
  const table: DesiredTable = { virtualServers: [captureTable.virtualServers[0]!] };
  const report = await r.rec.apply(table);
  t.same(names(r), ['GET_SERVICE', 'GET_DEST', 'NEW_SERVICE', 'NEW_DEST']);
  t.equal(report.dumps, 2);
  r.fake.clearLog();
  await r.rec.stop();
  t.same(names(r), ['DEL_SERVICE']);
  t.ok(r.fake.find(foreign), 'foreign service survives');
  t.equal(r.fake.find(foreign)!.dests.size, 1);
});

t.test('an existing desired service is adopted: only the differences are sent, foreign dests stay', async (t) => {
  const existing = { af: 2, fwmark: 0, protocol: 6, address: '192.0.2.200', port: 80, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff };
  const r = await rig({}, (fake) => fake.insertService(existing, [
    { af: 2, address: '192.0.2.11', port: 8080, fwdMethod: 0, weight: 1, upperThreshold: 0, lowerThreshold: 0 },
    { af: 2, address: '192.0.2.99', port: 8080, fwdMethod: 0, weight: 1, upperThreshold: 0, lowerThreshold: 0 },
  ]));
  await r.rec.apply({ virtualServers: [captureTable.virtualServers[0]!] });
  t.same(names(r), ['GET_SERVICE', 'GET_DEST'], 'already as desired: nothing to change');
  t.equal(r.fake.find(existing)!.dests.size, 2, 'the dest we did not ask for is not deleted');
});

t.test('edits behind our back: a failed command re-dumps and re-diffs', async (t) => {
  const r = await rig({ flushOnStart: true });
  await r.rec.apply(captureTable);
  r.fake.removeService({ af: 2, fwmark: 0, protocol: 6, address: '192.0.2.200', port: 80 });
  r.fake.clearLog();
  const next = structuredClone(captureTable);
  next.virtualServers[0]!.destinations[0]!.weight = 7;
  const report = await r.rec.apply(next);
  t.same(names(r).slice(0, 2), ['SET_DEST', 'GET_SERVICE'], 'SET_DEST fails (ESRCH), then the table is read again');
  t.same(names(r).filter((n) => !n.startsWith('GET')), ['SET_DEST', 'NEW_SERVICE', 'NEW_DEST']);
  t.equal(r.fake.requests[0]!.errno, 3);
  t.same(report.failures, []);
  t.equal(report.rounds, 2);
  t.match(r.logs, [/IPVS cmd IP_VS_SO_SET_EDITDEST\(1161\) error: No such service\(3\) \(192\.0\.2\.200:tcp:80 -> 192\.0\.2\.11:8080\)/]);
  t.equal(r.fake.find({ af: 2, fwmark: 0, protocol: 6, address: '192.0.2.200', port: 80 })!.dests.get('2/192.0.2.11/8080')!.weight, 7);
});

t.test('resync on request restores a destination someone deleted', async (t) => {
  const r = await rig({ flushOnStart: true });
  await r.rec.apply(captureTable);
  r.fake.find({ af: 2, fwmark: 1, protocol: 0, address: '0.0.0.0', port: 0 })!.dests.clear();
  r.fake.clearLog();
  await r.rec.resync();
  t.same(names(r).filter((n) => !n.startsWith('GET')), ['NEW_DEST']);
  t.equal(names(r).filter((n) => n === 'GET_DEST').length, 7, 'one GET_DEST per kernel service');
});

t.test('a refusal that persists is reported after the last round', async (t) => {
  const r = await rig({ flushOnStart: true, maxRounds: 2 });
  const bad: DesiredVirtualServer = { address: '192.0.2.1', port: 80, protocol: 'tcp', scheduler: 'rr', persistenceTimeout: 5, persistenceEngine: 'nope', destinations: [] };
  const report = await r.rec.apply({ virtualServers: [bad] });
  t.equal(report.failures.length, 1);
  t.equal(report.failures[0]!.cmd, IPVS_CMD_NEW_SERVICE);
  t.equal((report.failures[0]!.error as { code?: string }).code, 'ENOENT');
  t.equal(report.rounds, 2);
  t.same(r.logs.filter((l) => l.startsWith('error')), [
    'error IPVS cmd IP_VS_SO_SET_ADD(1154) error: Scheduler or persistence engine not found(2) (192.0.2.1:tcp:80)',
    'error IPVS cmd IP_VS_SO_SET_ADD(1154) error: Scheduler or persistence engine not found(2) (192.0.2.1:tcp:80)',
  ]);
});

t.test('virtual server groups: address ranges and fwmark entries', async (t) => {
  t.same(expandAddressRange('192.0.2.1-10').length, 10);
  t.same(expandAddressRange('2001:db8::a-c'), ['2001:db8::a', '2001:db8::b', '2001:db8::c']);
  t.same(expandAddressRange('192.0.2.7', 8), ['192.0.2.7', '192.0.2.8']);
  t.throws(() => expandAddressRange('192.0.2.9-3'), /ends before it starts/);
  const r = await rig({ flushOnStart: true });
  await r.rec.apply({
    virtualServers: [{
      group: [{ address: '192.0.2.1-10', port: 443 }, { fwmark: 7 }, { fwmark: 8, family: 'ipv6' }], protocol: 'tcp', scheduler: 'wlc',
      destinations: [{ address: '192.0.2.100', port: 8443, forwarding: 'dr', weight: 1 }, { address: '2001:db8::100', port: 8443, forwarding: 'nat', weight: 1 }],
    }],
  });
  t.equal(r.fake.services.size, 12);
  const fw7 = r.fake.find({ af: 2, fwmark: 7, protocol: 0, address: '0.0.0.0', port: 0 })!;
  t.equal(fw7.dests.get('2/192.0.2.100/0')?.port, 0, 'DR dest of a fwmark entry gets port 0');
  const a5 = r.fake.find({ af: 2, fwmark: 0, protocol: 6, address: '192.0.2.5', port: 443 })!;
  t.ok(a5.dests.has('2/192.0.2.100/443'), 'DR dest of an address entry gets the service port');
  t.notOk(a5.dests.has('10/2001:db8::100/8443'), 'a NAT IPv6 dest cannot join an IPv4 service');
  t.ok(r.fake.find({ af: 10, fwmark: 8, protocol: 0, address: '::', port: 0 })!.dests.has('10/2001:db8::100/8443'));
});

t.test('stop modes: flush (lvs_flush_on_stop), keep (-I), remove (default)', async (t) => {
  for (const [mode, expected] of [['flush', ['FLUSH']], ['keep', []], ['remove', ['DEL_SERVICE', 'DEL_SERVICE']]] as const) {
    const r = await rig({ flushOnStart: true, stopMode: mode });
    await r.rec.apply({ virtualServers: captureTable.virtualServers.slice(0, 2) });
    r.fake.clearLog();
    await r.rec.stop();
    t.same(names(r), expected, mode);
    t.equal(r.fake.services.size, mode === 'keep' ? 2 : 0, `${mode}: table after stop`);
  }
});

t.test('lvs_timeouts: read once, set once, restored on stop', async (t) => {
  const r = await rig({ flushOnStart: true });
  await r.rec.apply({ virtualServers: [], timeouts: { tcp: 7200, udp: 60 } });
  t.same(names(r), ['FLUSH', 'GET_CONFIG', 'SET_CONFIG']);
  t.same(r.fake.timeouts, { tcp: 7200, tcpFin: 120, udp: 60 });
  r.fake.clearLog();
  await r.rec.apply({ virtualServers: [], timeouts: { tcp: 7200, udp: 60 } });
  t.same(names(r), []);
  await r.rec.stop();
  t.same(names(r), ['SET_CONFIG']);
  t.same(r.fake.timeouts, { tcp: 900, tcpFin: 120, udp: 300 });
});

t.test('1,000 services x 10 destinations, then a 1% change: messages and bytes', async (t) => {
  const table = (weightBump: boolean): DesiredTable => ({
    virtualServers: Array.from({ length: 1000 }, (_, i): DesiredVirtualServer => ({
      address: `198.51.100.${1 + (i % 250)}`, port: 1000 + Math.floor(i / 250), protocol: 'tcp', scheduler: 'wlc',
      destinations: Array.from({ length: 10 }, (_, j) => ({
        address: `192.0.2.${10 + j}`, port: 8000 + j, forwarding: 'nat' as const, weight: weightBump && i % 100 === 0 ? 2 : 1,
      })),
    })),
  });
  const r = await rig({ flushOnStart: true });
  const full = await r.rec.apply(table(false));
  t.equal(full.commands, 1 + 1000 + 10000);
  const fullBytes = r.fake.counters.bytes;
  t.comment(`initial apply: ${r.fake.counters.messages} messages, ${fullBytes} bytes sent; ${r.fake.counters.replyMessages} replies, ${r.fake.counters.replyBytes} bytes back`);
  r.fake.clearLog();
  const change = await r.rec.apply(table(true));
  t.equal(change.commands, 100, '1% of services: 10 dests each get SET_DEST');
  t.ok(r.fake.requests.every((q) => q.cmd === IPVS_CMD_SET_DEST));
  t.comment(`1% change: ${r.fake.counters.messages} messages, ${r.fake.counters.bytes} bytes sent`);
  r.fake.clearLog();
  await r.rec.resync();
  t.equal(r.fake.counters.messages, 1001, 'a full re-dump: GET_SERVICE + 1000 GET_DEST, no changes');
  t.comment(`re-dump: ${r.fake.counters.messages} requests, ${r.fake.counters.bytes} bytes sent; ${r.fake.counters.replyBytes} bytes back`);
  r.fake.clearLog();
  const del = await r.rec.apply({ virtualServers: table(true).virtualServers.map((vs) => ({ ...vs, destinations: vs.destinations.slice(1) })) });
  t.equal(del.commands, 1000);
  t.ok(r.fake.requests.every((q) => q.cmd === IPVS_CMD_DEL_DEST));
});
