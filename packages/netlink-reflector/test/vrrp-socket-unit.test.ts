import t from 'tap';
import {
  createFakeNative, syscallError, decodeIpMreqn, decodeIpv6Mreq, decodeSockaddr, decodeCmsgs, encodeCmsgs,
  encodeSockaddrIn6, decodeIn6Pktinfo, DROP_ALL_FILTER,
  AF_INET, AF_INET6, SOCK_RAW, IPPROTO_VRRP, IPPROTO_AH, IPPROTO_IP, IPPROTO_IPV6, SOL_SOCKET,
  IP_ADD_MEMBERSHIP, IP_MULTICAST_IF, IP_MULTICAST_LOOP, IP_HDRINCL, IP_TOS, IP_PKTINFO, IP_TTL, SO_BINDTODEVICE,
  IPV6_ADD_MEMBERSHIP, IPV6_CHECKSUM, IPV6_MULTICAST_HOPS, IPV6_UNICAST_HOPS, IPV6_HOPLIMIT, IPV6_PKTINFO,
  IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO, IPV6_TCLASS, MSG_DONTROUTE, encodeInPktinfo, encodeIn6Pktinfo,
} from '@keepalived-ts/native';
import {
  openVrrpSocket, vrrpIpv4Header, decodeIpv4Header, encodeIpv4Header, checkIpv4Header, checkIpv4Datagram, ipv4HeaderChecksum,
  createIpIdCounter,
} from '../src/vrrp-socket/index.js';
import type { VrrpPacket } from '../src/vrrp-socket/index.js';

// IPv4 header of keepalived 2.2.7's first advert in vectors/v2-noauth.hex (checksum by the kernel).
const GOLDEN_V4_HEADER = Buffer.from('45c0002800010000ff701887c000020be0000012', 'hex');

t.test('IPv4 header matches keepalived once the kernel checksum is filled', (t) => {
  const h = vrrpIpv4Header({ src: '192.0.2.11', dst: '224.0.0.18', id: 1, payloadLength: 20, protocol: IPPROTO_VRRP });
  t.equal(h.readUInt16BE(10), 0, 'checksum left for the kernel');
  h.writeUInt16BE(ipv4HeaderChecksum(h), 10);
  t.same(h, GOLDEN_V4_HEADER);
  t.same(decodeIpv4Header(GOLDEN_V4_HEADER), {
    headerLength: 20, tos: 0xc0, totalLength: 40, id: 1, fragOff: 0, ttl: 255, protocol: 112, checksum: 0x1887,
    src: '192.0.2.11', dst: '224.0.0.18',
  });
  t.end();
});

t.test('IPv4 header round trip at an offset and validation reasons', (t) => {
  const h = decodeIpv4Header(GOLDEN_V4_HEADER);
  const out = Buffer.alloc(40, 0xee);
  encodeIpv4Header(h, out, 7);
  t.same(out.subarray(7, 27), GOLDEN_V4_HEADER);
  t.equal(out[6], 0xee);
  t.equal(out[27], 0xee);
  const dgram = Buffer.concat([Buffer.alloc(3), GOLDEN_V4_HEADER, Buffer.alloc(20)]);
  t.same(decodeIpv4Header(dgram, 3), h);
  t.match(checkIpv4Datagram(GOLDEN_V4_HEADER), /exceeds/);
  t.equal(checkIpv4Header(GOLDEN_V4_HEADER), null);
  t.equal(checkIpv4Datagram(dgram, 3), null);
  t.match(checkIpv4Header(Buffer.alloc(10)), /too short/);
  const v6 = Buffer.from(dgram.subarray(3)); v6[0] = 0x65;
  t.match(checkIpv4Header(v6), /version 6/);
  const shortIhl = Buffer.from(dgram.subarray(3)); shortIhl[0] = 0x44;
  t.match(checkIpv4Header(shortIhl), /below 20/);
  t.end();
});

t.test('IP id counter starts at 1 and skips 0 on wrap', (t) => {
  const next = createIpIdCounter();
  t.equal(next(), 1);
  t.equal(next(), 2);
  const wrap = createIpIdCounter(65534);
  t.same([wrap(), wrap(), wrap()], [65535, 1, 2]);
  t.end();
});

type Opt = [number, number, number, number | Buffer];
const optsOf = (fake: ReturnType<typeof createFakeNative>, fd: number): Opt[] =>
  (fake.callsOf('setsockopt') as Opt[]).filter((c) => c[0] === fd);
const find = (opts: Opt[], level: number, name: number): number | Buffer | undefined =>
  opts.find((o) => o[1] === level && o[2] === name)?.[3];

t.test('IPv4 multicast sockets are set up as keepalived does', (t) => {
  const fake = createFakeNative();
  const s = openVrrpSocket({ family: 4, ifindex: 5, ifname: 'eth0', srcAddr: '192.0.2.11' }, fake.native);
  t.same(fake.callsOf('socket'), [[AF_INET, SOCK_RAW, IPPROTO_VRRP], [AF_INET, SOCK_RAW, IPPROTO_VRRP]]);
  const [rx, tx] = [100, 101];
  const r = optsOf(fake, rx);
  t.same(decodeIpMreqn(find(r, IPPROTO_IP, IP_ADD_MEMBERSHIP) as Buffer), { group: '224.0.0.18', address: '0.0.0.0', ifindex: 5 });
  t.same(decodeSockaddr((fake.callsOf('bind')[0] as [number, Buffer])[1]), { family: AF_INET, port: 0, address: '224.0.0.18' });
  t.equal(find(r, IPPROTO_IP, IP_PKTINFO), 1);
  t.same(find(r, SOL_SOCKET, SO_BINDTODEVICE), Buffer.from('eth0\0'));
  const w = optsOf(fake, tx);
  t.equal(find(w, IPPROTO_IP, IP_HDRINCL), 1);
  t.equal(find(w, IPPROTO_IP, IP_MULTICAST_LOOP), 0);
  t.equal(find(w, IPPROTO_IP, IP_TOS), 0xc0);
  t.same(decodeIpMreqn(find(w, IPPROTO_IP, IP_MULTICAST_IF) as Buffer).ifindex, 5);
  t.same(fake.callsOf('attachFilter'), [[tx, DROP_ALL_FILTER]]);

  const payload = Buffer.from('2133960100018601c00002c80000000000000000', 'hex');
  s.send(payload);
  s.send(payload);
  const sent = fake.callsOf('sendmsg') as [number, Buffer, Buffer, Buffer | null, number][];
  t.equal(sent[0]![0], tx);
  t.same(sent[0]![1].subarray(20), payload);
  const h1 = decodeIpv4Header(sent[0]![1]);
  t.same([h1.id, h1.ttl, h1.tos, h1.fragOff, h1.protocol, h1.src, h1.dst, h1.totalLength], [1, 255, 0xc0, 0, 112, '192.0.2.11', '224.0.0.18', 40]);
  t.equal(decodeIpv4Header(sent[1]![1]).id, 2);
  t.equal(sent[0]![4], MSG_DONTROUTE);
  t.same(decodeSockaddr(sent[0]![2]), { family: AF_INET, port: 0, address: '224.0.0.18' });
  s.close();
  s.close();
  t.same(fake.openFds(), []);
  t.throws(() => s.send(payload), /closed/);
  t.end();
});

t.test('IPv6 sockets: checksum offset 6, hop limit 255, pktinfo, TCLASS', (t) => {
  const fake = createFakeNative({ ifNameToIndex: () => 3 });
  const s = openVrrpSocket({ family: 6, ifname: 'veth0' }, fake.native);
  t.equal(s.ifindex, 3);
  const r = optsOf(fake, 100);
  const w = optsOf(fake, 101);
  t.same(decodeIpv6Mreq(find(r, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP) as Buffer), { group: 'ff02::12', ifindex: 3 });
  t.same(decodeSockaddr((fake.callsOf('bind')[0] as [number, Buffer])[1]), { family: AF_INET6, port: 0, flowinfo: 0, address: 'ff02::12', scopeId: 3 });
  t.equal(find(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT), 1);
  t.equal(find(r, IPPROTO_IPV6, IPV6_RECVPKTINFO), 1);
  t.equal(find(r, IPPROTO_IPV6, IPV6_CHECKSUM), 6);
  t.equal(find(w, IPPROTO_IPV6, IPV6_CHECKSUM), 6);
  t.equal(find(w, IPPROTO_IPV6, IPV6_MULTICAST_HOPS), 255);
  t.equal(find(w, IPPROTO_IPV6, IPV6_TCLASS), 0xc0);
  s.send(Buffer.from('3137960100646c62', 'hex'));
  const [, data, , control] = fake.callsOf('sendmsg')[0] as [number, Buffer, Buffer, Buffer];
  t.same(data, Buffer.from('3137960100646c62', 'hex'), 'no header prepended for IPv6');
  const [cm] = decodeCmsgs(control);
  t.same([cm!.level, cm!.type], [IPPROTO_IPV6, IPV6_PKTINFO]);
  t.same(decodeIn6Pktinfo(cm!.data), { addr: '::', ifindex: 3 });
  t.throws(() => s.sendDatagram(Buffer.alloc(40)), /IPv4 only/);
  s.close();
  t.end();
});

t.test('unicast: no group, bound to the source, hop limit as unicast hops, dst required', (t) => {
  const fake = createFakeNative();
  const s = openVrrpSocket({ family: 6, ifindex: 4, ifname: 'e1', unicast: true, srcAddr: '2001:db8::11' }, fake.native);
  t.equal(find(optsOf(fake, 100), IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP), undefined);
  t.equal(find(optsOf(fake, 101), IPPROTO_IPV6, IPV6_UNICAST_HOPS), 255);
  t.equal(find(optsOf(fake, 101), IPPROTO_IPV6, IPV6_MULTICAST_HOPS), undefined);
  t.same(decodeSockaddr((fake.callsOf('bind')[0] as [number, Buffer])[1]), { family: AF_INET6, port: 0, flowinfo: 0, address: '2001:db8::11', scopeId: 0 });
  t.throws(() => s.send(Buffer.alloc(8)), /needs a destination/);
  s.send(Buffer.alloc(8), '2001:db8::12');
  const [, , addr, , flags] = fake.callsOf('sendmsg')[0] as [number, Buffer, Buffer, Buffer, number];
  t.equal(flags, 0);
  t.equal((decodeSockaddr(addr) as { address: string }).address, '2001:db8::12');
  s.close();
  t.end();
});

t.test('IPv4 AH: protocol 51, caller-built datagrams, shared ip id', (t) => {
  const fake = createFakeNative();
  const s = openVrrpSocket({ family: 4, ifindex: 2, ifname: 'e0', unicast: true, protocol: IPPROTO_AH }, fake.native);
  t.same(fake.callsOf('socket')[0], [AF_INET, SOCK_RAW, IPPROTO_AH]);
  const id = s.nextIpId();
  s.send(Buffer.alloc(8), '192.0.2.2', { ipId: id });
  s.send(Buffer.alloc(8), '192.0.2.3', { ipId: id });
  const sent = fake.callsOf('sendmsg') as [number, Buffer, Buffer, null, number][];
  t.same(sent.map((c) => decodeIpv4Header(c[1]).id), [1, 1]);
  t.same(sent.map((c) => decodeIpv4Header(c[1]).dst), ['192.0.2.2', '192.0.2.3']);
  t.equal(decodeIpv4Header(sent[0]![1]).protocol, IPPROTO_AH);
  s.sendDatagram(Buffer.alloc(28), '192.0.2.2');
  t.equal(fake.callsOf('sendmsg').length, 3);
  s.close();
  t.end();
});

t.test('received IPv4 datagrams are split into header and payload with ttl and ifindex', async (t) => {
  const fake = createFakeNative();
  const s = openVrrpSocket({ family: 4, ifindex: 5, ifname: 'eth0' }, fake.native);
  t.teardown(() => s.close());
  const got: VrrpPacket[] = [];
  const errors: Error[] = [];
  s.onPacket((p) => got.push(p));
  s.onError((e) => errors.push(e));
  const payload = Buffer.from('2133960100018601c00002c80000000000000000', 'hex');
  const ttl = Buffer.alloc(4); ttl.writeInt32LE(254);
  const control = encodeCmsgs([
    { level: IPPROTO_IP, type: IP_TTL, data: ttl },
    { level: IPPROTO_IP, type: IP_PKTINFO, data: encodeInPktinfo({ ifindex: 5, specDst: '192.0.2.12', addr: '224.0.0.18' }) },
  ]);
  fake.deliver(100, { data: Buffer.concat([GOLDEN_V4_HEADER, payload]), control });
  fake.deliver(100, { data: GOLDEN_V4_HEADER });
  fake.deliver(100, { data: Buffer.from('4500', 'hex') });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  t.equal(got.length, 1);
  t.same(got[0]!.payload, payload);
  t.same(got[0]!.ipHeader, GOLDEN_V4_HEADER);
  t.same([got[0]!.src, got[0]!.dst, got[0]!.ttl, got[0]!.ifindex], ['192.0.2.11', '224.0.0.18', 254, 5]);
  t.equal(errors.length, 2);
  t.match(errors[0]!.message, /exceeds/);
  t.match(errors[1]!.message, /too short/);
});

t.test('received IPv6 messages take source, hop limit and ifindex from the kernel', async (t) => {
  const fake = createFakeNative();
  const s = openVrrpSocket({ family: 6, ifindex: 3, ifname: 'e3' }, fake.native);
  t.teardown(() => s.close());
  const got: VrrpPacket[] = [];
  s.onPacket((p) => got.push(p));
  const hl = Buffer.alloc(4); hl.writeInt32LE(255);
  fake.deliver(100, {
    data: Buffer.from('3137960100646c62', 'hex'),
    addr: encodeSockaddrIn6('fe80::1', 0, 3),
    control: encodeCmsgs([
      { level: IPPROTO_IPV6, type: IPV6_HOPLIMIT, data: hl },
      { level: IPPROTO_IPV6, type: IPV6_PKTINFO, data: encodeIn6Pktinfo({ addr: 'ff02::12', ifindex: 3 }) },
    ]),
  });
  await new Promise((r) => setImmediate(r));
  t.same(got, [{ payload: Buffer.from('3137960100646c62', 'hex'), src: 'fe80::1', dst: 'ff02::12', ttl: 255, ifindex: 3 }]);
});

t.test('missing CAP_NET_RAW is explained; partial setup closes what it opened', (t) => {
  const fake = createFakeNative({ socket: () => { throw syscallError('socket', 1, 'EPERM'); } });
  t.throws(() => openVrrpSocket({ family: 4, ifindex: 1, ifname: 'lo' }, fake.native), {
    message: 'cannot open raw VRRP socket: CAP_NET_RAW required (EPERM)', code: 'EPERM', capability: 'CAP_NET_RAW',
  });
  const fake2 = createFakeNative({ attachFilter: () => { throw syscallError('setsockopt', 22, 'EINVAL'); } });
  t.throws(() => openVrrpSocket({ family: 4, ifindex: 1, ifname: 'lo' }, fake2.native), { code: 'EINVAL' });
  t.same(fake2.openFds(), [], 'both sockets closed');
  t.throws(() => openVrrpSocket({ family: 4, ifindex: 1, ifname: 'lo', srcAddr: '2001:db8::1' }, fake2.native), /family mismatch/);
  t.throws(() => openVrrpSocket({ family: 4 }, fake2.native), /ifindex or ifname/);
  t.end();
});
