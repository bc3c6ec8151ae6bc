import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { ipv6ToBytes } from '@keepalived-ts/native';
import { createNsPair, runChild, nextLine } from './fixtures/link/netns.js';
import type { NsPair } from './fixtures/link/netns.js';
import { decodeIpv4Header, ipv4HeaderChecksum } from '../src/vrrp-socket/index.js';
import { ipv6PayloadChecksum } from '../src/link/index.js';

// Root test: a VRRP message goes from namespace A to B over the raw sockets.
interface Received { payload: string; src: string; dst?: string; ttl: number; ifindex: number; ipHeader?: string; ready?: boolean; timeout?: boolean; error?: string }

async function roundTrip(t: Test, pair: NsPair, rxSocket: object, txArgs: object): Promise<{ got: Received; rxIfindex: number }> {
  const rx = runChild(pair.b, 'vrrp-recv', { socket: rxSocket, count: 1 });
  t.teardown(() => { if (rx.proc.exitCode === null && rx.proc.pid) process.kill(rx.proc.pid, 'SIGTERM'); });
  const ready = JSON.parse(await nextLine(rx)) as { ready: boolean; ifindex: number };
  t.ok(ready.ready, 'receiver ready');
  const tx = runChild(pair.a, 'vrrp-send', txArgs);
  t.same(JSON.parse(await nextLine(tx)), { sent: true });
  t.equal(await tx.exited, 0);
  const got = JSON.parse(await nextLine(rx)) as Received;
  t.equal(await rx.exited, 0);
  return { got, rxIfindex: ready.ifindex };
}

const V2_PAYLOAD = '2133960100018601c00002c80000000000000000';

t.test('IPv4 multicast: keepalived header on the wire, TTL 255 and ifindex at the receiver', async (t) => {
  const pair = createNsPair('v4');
  t.teardown(() => pair.remove());
  const { got, rxIfindex } = await roundTrip(t, pair,
    { family: 4, ifname: pair.ifB },
    { socket: { family: 4, ifname: pair.ifA, srcAddr: '192.0.2.1' }, payload: V2_PAYLOAD });
  t.equal(got.payload, V2_PAYLOAD);
  t.equal(got.src, '192.0.2.1');
  t.equal(got.dst, '224.0.0.18');
  t.equal(got.ttl, 255);
  t.equal(got.ifindex, rxIfindex);
  const header = Buffer.from(got.ipHeader!, 'hex');
  const h = decodeIpv4Header(header);
  t.match(h, { tos: 0xc0, ttl: 255, id: 1, fragOff: 0, protocol: 112, totalLength: 40 });
  t.equal(h.checksum, ipv4HeaderChecksum(header), 'kernel filled a valid header checksum');
});

t.test('IPv4 unicast: bound to the local address, sent to the peer', async (t) => {
  const pair = createNsPair('v4u');
  t.teardown(() => pair.remove());
  const { got } = await roundTrip(t, pair,
    { family: 4, ifname: pair.ifB, unicast: true, srcAddr: '192.0.2.2' },
    { socket: { family: 4, ifname: pair.ifA, unicast: true, srcAddr: '192.0.2.1' }, payload: V2_PAYLOAD, dst: '192.0.2.2' });
  t.equal(got.payload, V2_PAYLOAD);
  t.same([got.src, got.dst, got.ttl], ['192.0.2.1', '192.0.2.2', 255]);
});

t.test('IPv6 multicast: kernel checksum at offset 6, hop limit 255, pktinfo source and ifindex', async (t) => {
  const pair = createNsPair('v6');
  t.teardown(() => pair.remove());
  // keepalived sends VRRPv3 over IPv6 from the link-local address; nodad makes it usable at once.
  execFileSync('ip', ['-n', pair.a, 'addr', 'add', 'fe80::a/64', 'dev', pair.ifA, 'nodad']);
  const sent = '3137960100640000' + '20010db8000000000000000000000200';
  const { got, rxIfindex } = await roundTrip(t, pair,
    { family: 6, ifname: pair.ifB },
    { socket: { family: 6, ifname: pair.ifA, srcAddr: 'fe80::a' }, payload: sent });
  t.equal(got.ttl, 255);
  t.equal(got.ifindex, rxIfindex);
  t.equal(got.dst, 'ff02::12');
  t.equal(got.src, 'fe80::a', 'source taken from IPV6_PKTINFO');
  const payload = Buffer.from(got.payload, 'hex');
  t.equal(got.payload.slice(0, 12), sent.slice(0, 12), 'header bytes before the checksum unchanged');
  t.equal(got.payload.slice(16), sent.slice(16), 'addresses unchanged');
  t.not(payload.readUInt16BE(6), 0, 'sender kernel wrote the checksum');
  t.equal(ipv6PayloadChecksum(ipv6ToBytes(got.src), ipv6ToBytes('ff02::12'), 112, payload), 0, 'checksum verifies');
});

t.test('IPv6 unicast: hop limit 255 via IPV6_UNICAST_HOPS, bound receive socket', async (t) => {
  const pair = createNsPair('v6u');
  t.teardown(() => pair.remove());
  const sent = '3137960100640000' + '20010db8000000000000000000000200';
  const { got } = await roundTrip(t, pair,
    { family: 6, ifname: pair.ifB, unicast: true, srcAddr: '2001:db8::2' },
    { socket: { family: 6, ifname: pair.ifA, unicast: true, srcAddr: '2001:db8::1' }, payload: sent, dst: '2001:db8::2' });
  t.same([got.src, got.dst, got.ttl], ['2001:db8::1', '2001:db8::2', 255]);
  const payload = Buffer.from(got.payload, 'hex');
  t.equal(ipv6PayloadChecksum(ipv6ToBytes('2001:db8::1'), ipv6ToBytes('2001:db8::2'), 112, payload), 0, 'checksum verifies');
});

t.test('without CAP_NET_RAW opening the VRRP socket says what is missing', async (t) => {
  const pair = createNsPair('vcap');
  t.teardown(() => pair.remove());
  const child = runChild(pair.a, 'open-vrrp', { family: 4, ifname: pair.ifA }, ['setpriv', '--bounding-set=-net_raw', '--inh-caps=-net_raw']);
  const r = JSON.parse(await nextLine(child)) as object;
  await child.exited;
  t.same(r, { error: 'cannot open raw VRRP socket: CAP_NET_RAW required (EPERM)', code: 'EPERM', capability: 'CAP_NET_RAW' });
});
