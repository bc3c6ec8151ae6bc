import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createFakeNative, AF_PACKET, SOCK_RAW, ETH_P_ARP, ETH_P_IPV6, decodeSockaddrLl, syscallError } from '@keepalived-ts/native';
import {
  encodeArpFrame, decodeArpFrame, gratuitousArp, checkArpFrame, isGratuitousArp, ARP_FRAME_LEN, ARPOP_REQUEST,
  encodeNeighborAdvert, decodeNeighborAdvert, unsolicitedNa, checkNeighborAdvert, NA_FRAME_LEN,
  openLinkAnnouncer, isIpv6Forwarding, parseMac, formatMac, internetChecksum,
} from '../src/link/index.js';

// Golden frames captured from keepalived 2.2.7 (see fixtures/link/golden-frames.txt).
const fixture = fileURLToPath(new URL('../../test/fixtures/link/golden-frames.txt', import.meta.url));
const golden = new Map<string, Buffer>(
  readFileSync(fixture, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))
    .map((l) => { const [name, , hex] = l.split(' '); return [name!, Buffer.from(hex!, 'hex')]; }),
);
const MAC = 'be:ae:ce:57:14:23';
const VMAC4 = '00:00:5e:00:01:33';
const VMAC6 = '00:00:5e:00:02:39';

t.test('gratuitous ARP is byte-identical to keepalived', (t) => {
  t.same(encodeArpFrame(gratuitousArp(MAC, '192.0.2.200')), golden.get('garp-200'));
  t.same(encodeArpFrame(gratuitousArp(MAC, '192.0.2.201')), golden.get('garp-201'));
  t.same(encodeArpFrame(gratuitousArp(VMAC4, '192.0.2.200')), golden.get('garp-vmac-200'));
  t.equal(golden.get('garp-200')!.length, ARP_FRAME_LEN);
  t.end();
});

t.test('ARP decode of the golden frame and round trip at an offset', (t) => {
  const f = decodeArpFrame(golden.get('garp-200')!);
  t.same(f, {
    dstMac: 'ff:ff:ff:ff:ff:ff', srcMac: MAC, hwType: 1, protoType: 0x0800, op: ARPOP_REQUEST,
    senderMac: MAC, senderIp: '192.0.2.200', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '192.0.2.200',
  });
  t.ok(isGratuitousArp(f));
  const out = Buffer.alloc(ARP_FRAME_LEN + 9, 0xaa);
  encodeArpFrame(f, out, 5);
  t.equal(out[4], 0xaa, 'byte before untouched');
  t.equal(out[5 + ARP_FRAME_LEN], 0xaa, 'byte after untouched');
  t.same(decodeArpFrame(out, 5), f);
  t.end();
});

t.test('ARP validation names the problem', (t) => {
  const g = golden.get('garp-200')!;
  t.match(checkArpFrame(g.subarray(0, 41)), /too short/);
  const notArp = Buffer.from(g); notArp.writeUInt16BE(0x0800, 12);
  t.match(checkArpFrame(notArp), /not ARP/);
  const badLen = Buffer.from(g); badLen[18] = 8;
  t.match(checkArpFrame(badLen), /lengths/);
  t.equal(checkArpFrame(g), null);
  t.throws(() => decodeArpFrame(notArp), /not ARP/);
  t.end();
});

t.test('unsolicited NA is byte-identical to keepalived (global, link-local, VMAC)', (t) => {
  t.same(encodeNeighborAdvert(unsolicitedNa(MAC, '2001:db8::200', false)), golden.get('na-2001-db8--200'));
  t.same(encodeNeighborAdvert(unsolicitedNa(MAC, 'fe80::200', false)), golden.get('na-fe80--200'));
  t.same(encodeNeighborAdvert(unsolicitedNa(VMAC6, '2001:db8::200', false)), golden.get('na-vmac-2001-db8--200'));
  t.equal(golden.get('na-2001-db8--200')!.length, NA_FRAME_LEN);
  t.end();
});

t.test('NA decode, Router flag and checksum validity, round trip at an offset', (t) => {
  const f = decodeNeighborAdvert(golden.get('na-2001-db8--200')!);
  t.same(f, {
    dstMac: '33:33:00:00:00:01', srcMac: MAC, src: '2001:db8::200', dst: 'ff02::1', hopLimit: 255,
    router: false, solicited: false, override: true, target: '2001:db8::200', targetMac: MAC, checksum: 0x5604,
  });
  const withRouter = encodeNeighborAdvert(unsolicitedNa(MAC, '2001:db8::200', true));
  t.equal(withRouter.readUInt32BE(14 + 40 + 4), 0xa0000000, 'router + override');
  t.equal(checkNeighborAdvert(withRouter), null, 'checksum still valid');
  t.not(withRouter.readUInt16BE(56), 0x5604, 'checksum changed with the flag');
  t.equal(decodeNeighborAdvert(withRouter).router, true);
  const out = Buffer.alloc(NA_FRAME_LEN + 7, 0x55);
  encodeNeighborAdvert(unsolicitedNa(MAC, '2001:db8::200', false), out, 3);
  t.same(out.subarray(3, 3 + NA_FRAME_LEN), golden.get('na-2001-db8--200'));
  t.equal(out[2], 0x55);
  t.equal(out[3 + NA_FRAME_LEN], 0x55);
  t.same(decodeNeighborAdvert(out, 3), f);
  t.end();
});

t.test('NA validation rejects corrupted frames', (t) => {
  const g = golden.get('na-2001-db8--200')!;
  const badSum = Buffer.from(g); badSum[80] ^= 1;
  t.equal(checkNeighborAdvert(badSum), 'bad ICMPv6 checksum');
  const notNa = Buffer.from(g); notNa[54] = 135;
  t.match(checkNeighborAdvert(notNa), /not a neighbor advertisement/);
  t.match(checkNeighborAdvert(g.subarray(0, 60)), /too short/);
  const badLen = Buffer.from(g); badLen.writeUInt16BE(200, 18);
  t.match(checkNeighborAdvert(badLen), /payload length/);
  t.end();
});

t.test('MAC text and the Internet checksum', (t) => {
  t.same(parseMac('BE-AE-CE-57-14-23'), Buffer.from('beaece571423', 'hex'));
  t.equal(formatMac(Buffer.from('00beaece571423', 'hex'), 1), MAC);
  t.throws(() => parseMac('be:ae:ce:57:14'), /not a MAC/);
  // RFC 1071 example: 0001 f203 f4f5 f6f7 sums to ddf2, checksum 220d.
  t.equal(internetChecksum(Buffer.from('0001f203f4f5f6f7', 'hex')), 0x220d);
  t.equal(internetChecksum(Buffer.from('01', 'hex')), 0xfeff, 'odd length padded');
  t.end();
});

t.test('announcer sends the frames on one AF_PACKET socket addressed per ifindex', (t) => {
  const fake = createFakeNative();
  const a = openLinkAnnouncer(fake.native);
  t.same(fake.callsOf('socket'), [[AF_PACKET, SOCK_RAW, 0]]);
  a.sendGratuitousArp(7, MAC, '192.0.2.200');
  a.sendUnsolicitedNa(9, MAC, '2001:db8::200');
  const sends = fake.callsOf('sendto') as [number, Buffer, Buffer][];
  t.same(sends[0]![1], golden.get('garp-200'));
  t.same(decodeSockaddrLl(sends[0]![2]), { family: AF_PACKET, protocol: ETH_P_ARP, ifindex: 7, hatype: 1, pkttype: 0, addr: parseMac('ff:ff:ff:ff:ff:ff') });
  t.same(sends[1]![1], golden.get('na-2001-db8--200'));
  t.equal(decodeSockaddrLl(sends[1]![2]).protocol, ETH_P_IPV6);
  t.equal(decodeSockaddrLl(sends[1]![2]).ifindex, 9);
  a.close();
  a.close();
  t.same(fake.openFds(), []);
  t.throws(() => a.sendGratuitousArp(7, MAC, '192.0.2.200'), /closed/);
  t.end();
});

t.test('announcer explains a missing CAP_NET_RAW', (t) => {
  const fake = createFakeNative({ socket: () => { throw syscallError('socket', 1, 'EPERM'); } });
  t.throws(() => openLinkAnnouncer(fake.native), {
    message: 'cannot open packet socket for gratuitous ARP/NA: CAP_NET_RAW required (EPERM)',
    code: 'EPERM', syscall: 'socket', capability: 'CAP_NET_RAW',
  });
  t.end();
});

t.test('isIpv6Forwarding reads the per-interface sysctl', (t) => {
  const seen: string[] = [];
  t.equal(isIpv6Forwarding('eth0', (p) => { seen.push(p); return '1\n'; }), true);
  t.equal(isIpv6Forwarding('eth0', () => '0\n'), false);
  t.equal(isIpv6Forwarding('eth0', () => { throw new Error('ENOENT'); }), false);
  t.same(seen, ['/proc/sys/net/ipv6/conf/eth0/forwarding']);
  t.throws(() => isIpv6Forwarding('../x'), /bad interface name/);
  t.end();
});
