/**
 * Becoming MASTER: the advert goes out first (the old master must drop the
 * VIPs before our GARPs), then the VIP adds, and the GARP burst only once the
 * kernel acknowledged the adds - a neighbour answering the GARP must find the
 * address. Waiting never blocks the adverts.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig, readConfigTree } from '@keepalived-ts/core';
import type { InterfaceTable, Rtnetlink } from '@keepalived-ts/netlink-reflector';
import { InstanceRuntime, type RuntimeServices } from '../src/runtime/instance-runtime.js';
import type { GarpSender } from '../src/runtime/garp.js';
import type { Notifier } from '../src/runtime/notifier.js';
import type { PooledSocket } from '../src/runtime/sockpool.js';
import { ManualScheduler } from '../src/timers/manual-scheduler.js';

function configFrom(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vrrp-garp-'));
  try {
    const f = join(dir, 'k.conf');
    writeFileSync(f, text);
    return buildConfig(readConfigTree(f, { configId: 'x' }).tree, { interfaceExists: () => true }).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function setUp(vips: string[]) {
  const config = configFrom(`vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 9
    version 3
    priority 100
    advert_int 0.01
    garp_master_repeat 2
    virtual_ipaddress {
${vips.map((v) => `        ${v}/24`).join('\n')}
    }
}`);
  const events: string[] = [];
  const acks: { address: string; settle: (err?: Error) => void }[] = [];
  const link = { ifindex: 2, name: 'eth0', mac: '02:00:00:00:00:01', flags: 0x41 };
  const rtnl = {
    addAddress: (spec: { address: string }) => {
      events.push(`add ${spec.address}`);
      return new Promise<void>((resolve, reject) => acks.push({ address: spec.address, settle: (e) => (e ? reject(e) : resolve()) }));
    },
    removeAddress: (spec: { address: string }) => {
      events.push(`del ${spec.address}`);
      return Promise.resolve();
    },
  } as unknown as Rtnetlink;
  const table = {
    link: (i: number) => (i === 2 ? link : undefined),
    linkByName: (n: string) => (n === 'eth0' ? link : undefined),
    addresses: () => [],
  } as unknown as InterfaceTable;
  const garp = {
    send: (_target: unknown, vip: string) => events.push(`garp ${vip}`),
    cancel: () => events.push('cancel queued garps'),
  } as unknown as GarpSender;
  const timers = new ManualScheduler(1_000_000);
  const logs: string[] = [];
  const svc: RuntimeServices = {
    log: { info: (l) => logs.push(l) }, detail: false, rtnl, table, garp,
    notifier: { instance() {}, event() {}, deleted() {}, group() {} } as unknown as Notifier,
    timers, pending: () => {}, ipv6Forwarding: () => false,
  };
  const rt = new InstanceRuntime(config.vrrpInstances[0]!, config, { ifindex: 2, ifname: 'eth0', mac: link.mac, srcAddr: '192.0.2.1' }, svc);
  rt.socket = { socket: { sendDatagram: () => { events.push('advert'); return 40; }, send: () => 40, drainPending: () => undefined } } as unknown as PooledSocket;
  rt.fsm.startCompleteInit();
  rt.fsm.startRestoreInterfaces();
  rt.fsm.startInitState();
  events.length = 0;
  return { rt, events, acks, timers, logs };
}

t.test('advert, then the VIP adds, then the GARP burst once every add is acknowledged', async (t) => {
  const { rt, events, acks, timers } = setUp(['192.0.2.200', '192.0.2.201']);
  timers.advance(100_000);
  t.equal(rt.fsm.state, 'MASTER');
  t.same(events.slice(0, 3), ['advert', 'add 192.0.2.200', 'add 192.0.2.201'], 'advert first, then the adds');
  t.notOk(events.some((e) => e.startsWith('garp')), 'no GARP before the kernel has the addresses');
  t.ok(rt.vipAddsPending);
  const advertsBefore = events.filter((e) => e === 'advert').length;
  timers.advance(50_000);
  t.ok(events.filter((e) => e === 'advert').length > advertsBefore, 'adverts keep their schedule while the acks are outstanding');

  acks[0]!.settle();
  await flush();
  t.notOk(events.some((e) => e.startsWith('garp')), 'one VIP acknowledged: still waiting for the other');
  acks[1]!.settle(Object.assign(new Error('File exists'), { code: 'EEXIST' }));
  await flush();
  const garps = events.filter((e) => e.startsWith('garp'));
  t.same(garps, ['garp 192.0.2.200', 'garp 192.0.2.201', 'garp 192.0.2.200', 'garp 192.0.2.201'], 'garp_master_repeat rounds, after the last ack (an existing address counts)');
  t.ok(events.indexOf('garp 192.0.2.200') > events.lastIndexOf('add 192.0.2.201'));
  t.notOk(rt.vipAddsPending);

  // later bursts (garp_master_delay) go out at once: nothing is in flight
  events.length = 0;
  rt.sendGarps(1);
  t.same(events, ['garp 192.0.2.200', 'garp 192.0.2.201']);
});

t.test('leaving MASTER before the acks drops the held-back burst', async (t) => {
  const { rt, events, acks, timers } = setUp(['192.0.2.200']);
  timers.advance(100_000);
  t.equal(rt.fsm.state, 'MASTER');
  rt.fsm.receiveAdvert({ priority: 200, srcAddr: '192.0.2.9', maxAdverIntCs: 1 });
  t.equal(rt.fsm.state, 'BACKUP');
  acks[0]!.settle();
  await flush();
  t.notOk(events.some((e) => e.startsWith('garp')), 'no GARP for an address we gave up');
  t.ok(events.includes('del 192.0.2.200'));
});
