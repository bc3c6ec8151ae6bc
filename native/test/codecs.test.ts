import t from 'tap';
import {
  ipv4ToBytes, ipv6ToBytes, bytesToIpv6, bytesToIp, ipToBytes,
  encodeSockaddrIn, encodeSockaddrIn6, encodeSockaddrLl, encodeSockaddrNl, encodeSockaddrUn,
  decodeSockaddr, decodeSockaddrIn, decodeSockaddrIn6, decodeSockaddrLl, decodeSockaddrNl,
  encodeCmsgs, decodeCmsgs, cmsgSpace, parseReceiveInfo, hopLimitCmsg, inPktinfoCmsg, in6PktinfoCmsg,
  encodeInPktinfo, decodeInPktinfo, encodeIn6Pktinfo, decodeIn6Pktinfo,
  encodeBpf, decodeBpf, DROP_ALL_FILTER, encodeIpMreqn, decodeIpMreqn, encodeIpv6Mreq, decodeIpv6Mreq, encodeIfname,
  explainPrivilegeError, openPrivilegedSocket, capabilityForSocket, createFakeNative, syscallError, isSyscallError,
  AF_INET, AF_INET6, AF_PACKET, AF_NETLINK, AF_UNIX, SOCK_RAW, SOCK_DGRAM, ETH_P_ARP, IPPROTO_IP, IPPROTO_IPV6,
  IP_TTL, IPV6_HOPLIMIT,
} from '../lib/index.js';

const at = (b: Buffer, off: number): Buffer => Buffer.concat([Buffer.alloc(off, 0xcc), b]);

t.test('IP text <-> bytes', (t) => {
  t.same(ipv4ToBytes('192.0.2.200'), Buffer.from([192, 0, 2, 200]));
  t.same(ipv6ToBytes('2001:db8::200'), Buffer.from('20010db8000000000000000000000200', 'hex'));
  t.same(ipv6ToBytes('::'), Buffer.alloc(16));
  t.same(ipv6ToBytes('ff02::12'), Buffer.from('ff020000000000000000000000000012', 'hex'));
  t.same(ipv6ToBytes('::ffff:192.0.2.1'), Buffer.from('00000000000000000000ffffc0000201', 'hex'));
  t.same(ipv6ToBytes('1:2:3:4:5:6:7:8'), Buffer.from('00010002000300040005000600070008', 'hex'));
  t.same(ipv6ToBytes('fe80::'), Buffer.from('fe800000000000000000000000000000', 'hex'));
  t.throws(() => ipv6ToBytes('fe80::1%eth0'), /not an IPv6/);
  t.throws(() => ipv4ToBytes('192.0.2'), /not an IPv4/);
  for (const a of ['2001:db8::200', '::', '::1', 'fe80::bcae:ceff:fe57:1423', '2001:db8:0:1::', '1:2:3:4:5:6:7:8', '2001:db8::1:0:0:1']) {
    t.equal(bytesToIpv6(ipv6ToBytes(a)), a, a);
  }
  t.equal(bytesToIpv6(ipv6ToBytes('1:0:0:2:0:0:0:3')), '1:0:0:2::3', 'longest zero run compressed');
  t.equal(bytesToIpv6(ipv6ToBytes('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1', 'first of equal runs compressed');
  t.equal(bytesToIpv6(ipv6ToBytes('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1', 'single zero word not compressed');
  t.equal(bytesToIp(ipToBytes('198.51.100.7')), '198.51.100.7');
  t.throws(() => bytesToIp(Buffer.alloc(5)), /4 or 16/);
  t.end();
});

t.test('sockaddr codecs: golden layouts and round trips at an offset', (t) => {
  const sin = encodeSockaddrIn('192.0.2.1', 0x1234);
  t.same(sin, Buffer.from('02001234c000020100000000000000000'.slice(0, 32), 'hex'));
  t.same(decodeSockaddrIn(at(sin, 3), 3), { family: AF_INET, port: 0x1234, address: '192.0.2.1' });
  const sin6 = encodeSockaddrIn6('fe80::1', 80, 7, 0xabcde);
  t.same(sin6, Buffer.from('0a000050000abcdefe80000000000000000000000000000107000000', 'hex'));
  t.same(decodeSockaddrIn6(at(sin6, 5), 5), { family: AF_INET6, port: 80, flowinfo: 0xabcde, address: 'fe80::1', scopeId: 7 });
  const sll = encodeSockaddrLl({ protocol: ETH_P_ARP, ifindex: 9, hatype: 1, pkttype: 0, addr: Buffer.from('ffffffffffff', 'hex') });
  t.same(sll, Buffer.from('1100080609000000010000' + '06' + 'ffffffffffff0000', 'hex'));
  t.same(decodeSockaddrLl(at(sll, 1), 1), { family: AF_PACKET, protocol: ETH_P_ARP, ifindex: 9, hatype: 1, pkttype: 0, addr: Buffer.from('ffffffffffff', 'hex') });
  t.throws(() => encodeSockaddrLl({ protocol: 0, ifindex: 1, addr: Buffer.alloc(9) }), /too long/);
  const snl = encodeSockaddrNl(0x01020304, 0x11);
  t.same(snl, Buffer.from('100000000403020111000000', 'hex'));
  t.same(decodeSockaddrNl(at(snl, 2), 2), { family: AF_NETLINK, pid: 0x01020304, groups: 0x11 });
  t.same(decodeSockaddr(sin6), decodeSockaddrIn6(sin6));
  t.same(decodeSockaddr(snl), decodeSockaddrNl(snl));
  const un = decodeSockaddr(encodeSockaddrUn('/x'));
  t.same(un, { family: AF_UNIX, raw: Buffer.from('01002f7800', 'hex') });
  t.throws(() => decodeSockaddrIn6(Buffer.alloc(20)), /needs 28/);
  t.throws(() => encodeSockaddrUn('/'.repeat(108)), /too long/);
  t.end();
});

t.test('cmsg codec: layout, alignment, round trip at an offset, truncation', (t) => {
  t.equal(cmsgSpace(4), 24);
  t.equal(cmsgSpace(12), 32);
  t.equal(cmsgSpace(20), 40);
  const msgs = [hopLimitCmsg(255), in6PktinfoCmsg({ addr: '2001:db8::1', ifindex: 3 })];
  const buf = encodeCmsgs(msgs);
  t.equal(buf.length, 64);
  t.same(buf.subarray(0, 24), Buffer.from('1400000000000000' + '29000000' + '34000000' + 'ff000000' + '00000000', 'hex'));
  t.same(decodeCmsgs(at(buf, 8), 8), msgs);
  t.same(decodeCmsgs(buf.subarray(0, 50)), [msgs[0]], 'truncated tail dropped');
  t.same(decodeCmsgs(Buffer.alloc(16)), [], 'zero length stops');
  const p4 = { ifindex: 5, specDst: '192.0.2.2', addr: '224.0.0.18' };
  t.same(decodeInPktinfo(at(encodeInPktinfo(p4), 2), 2), p4);
  const p6 = { addr: 'ff02::12', ifindex: 4 };
  t.same(decodeIn6Pktinfo(at(encodeIn6Pktinfo(p6), 2), 2), p6);
  t.throws(() => decodeInPktinfo(Buffer.alloc(11)), /12 bytes/);
  t.end();
});

t.test('parseReceiveInfo reads TTL / hop limit and pktinfo', (t) => {
  const ttl = Buffer.alloc(4); ttl.writeInt32LE(254);
  t.same(parseReceiveInfo(encodeCmsgs([
    { level: IPPROTO_IP, type: IP_TTL, data: ttl },
    inPktinfoCmsg({ ifindex: 5, specDst: '192.0.2.2', addr: '224.0.0.18' }),
  ])), { ttl: 254, ifindex: 5, dst: '224.0.0.18' });
  const hl = Buffer.alloc(4); hl.writeInt32LE(255);
  t.same(parseReceiveInfo(encodeCmsgs([
    in6PktinfoCmsg({ addr: 'ff02::12', ifindex: 3 }),
    { level: IPPROTO_IPV6, type: IPV6_HOPLIMIT, data: hl },
    { level: 99, type: 1, data: Buffer.alloc(4) },
  ])), { ttl: 255, ifindex: 3, dst: 'ff02::12' });
  t.same(parseReceiveInfo(Buffer.alloc(0)), {});
  t.end();
});

t.test('bpf and multicast request structs', (t) => {
  t.same(DROP_ALL_FILTER, Buffer.from('0600000000000000', 'hex'));
  const prog = [{ code: 0x28, jt: 0, jf: 0, k: 12 }, { code: 0x15, jt: 0, jf: 1, k: 0x806 }, { code: 6, jt: 0, jf: 0, k: 0xffffffff }];
  t.same(decodeBpf(at(encodeBpf(prog), 4), 4), prog);
  const m = { group: '224.0.0.18', address: '0.0.0.0', ifindex: 7 };
  t.same(encodeIpMreqn(m), Buffer.from('e00000120000000007000000', 'hex'));
  t.same(decodeIpMreqn(at(encodeIpMreqn(m), 3), 3), m);
  const m6 = { group: 'ff02::12', ifindex: 7 };
  t.same(decodeIpv6Mreq(at(encodeIpv6Mreq(m6), 3), 3), m6);
  t.same(encodeIfname('eth0'), Buffer.from('eth0\0'));
  t.throws(() => encodeIfname('a-very-long-ifname'), /bad interface name/);
  t.end();
});

t.test('privilege errors name the capability and keep the syscall shape', (t) => {
  t.equal(capabilityForSocket(AF_PACKET, SOCK_RAW), 'CAP_NET_RAW');
  t.equal(capabilityForSocket(AF_INET, SOCK_RAW), 'CAP_NET_RAW');
  t.equal(capabilityForSocket(AF_NETLINK, SOCK_DGRAM), 'CAP_NET_ADMIN');
  const e = explainPrivilegeError(syscallError('socket', 1, 'EPERM'), 'open raw VRRP socket', 'CAP_NET_RAW') as Error;
  t.equal(e.message, 'cannot open raw VRRP socket: CAP_NET_RAW required (EPERM)');
  t.ok(isSyscallError(e));
  const other = syscallError('socket', 97, 'EAFNOSUPPORT');
  t.equal(explainPrivilegeError(other, 'x', 'CAP_NET_RAW'), other, 'other errors pass through');
  const fake = createFakeNative({ socket: () => { throw syscallError('socket', 13, 'EACCES'); } });
  t.throws(() => openPrivilegedSocket(fake.native, AF_PACKET, SOCK_RAW, 0, 'open packet socket'), {
    message: 'cannot open packet socket: CAP_NET_RAW required (EACCES)', code: 'EACCES',
  });
  t.end();
});

t.test('fake binding records calls, queues datagrams and tracks descriptors', async (t) => {
  const fake = createFakeNative();
  const fd = fake.native.socket(AF_INET, SOCK_DGRAM, 0);
  let woke = 0;
  fake.native.poll(fd, () => { woke++; });
  fake.deliver(fd, { data: Buffer.from('x') });
  t.equal(woke, 0, 'wakes asynchronously');
  await new Promise((r) => setImmediate(r));
  t.equal(woke, 1);
  t.same(fake.native.recvmsg(fd, 10, 0)?.data, Buffer.from('x'));
  t.equal(fake.native.recvmsg(fd, 10, 0), null);
  t.same(fake.openFds(), [fd]);
  fake.native.close(fd);
  t.throws(() => fake.native.close(fd), { code: 'EBADF' });
  t.same(fake.callsOf('socket'), [[AF_INET, SOCK_DGRAM, 0]]);
});
