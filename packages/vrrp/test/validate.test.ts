import t from 'tap';
import {
  applyAdvertCheckToStats, buildIPv4Advert, createVrrpStats, encodeAuthPass, fillVrrpChecksum, internetChecksum,
  ipv4AdvertLength, parseAddress, parseIPv4, parseIPv6, validateAdvert, VRRP_AUTH_AH, computeAhIcv, DROP_REASONS,
} from '../src/index.js';
import type { AdvertCheckInstance, AdvertCheckResult, AdvertRxContext, DropReason } from '../src/index.js';
import { VECTORS, vrrpPackets } from './fixtures/vectors.js';
import type { VectorInfo } from './fixtures/vectors.js';

const MCAST4 = parseIPv4('224.0.0.18')!;
const MCAST6 = parseIPv6('ff02::12')!;
const vector = (name: string): VectorInfo => VECTORS.find((v) => v.name === name)!;

/** The receiving (BACKUP) side of a captured vector's configuration. */
function instanceFor(v: VectorInfo, over: Partial<AdvertCheckInstance> = {}): AdvertCheckInstance {
  return {
    iname: v.iname, vrid: v.vrid, version: v.version, family: v.family, authType: v.authType,
    authData: encodeAuthPass(v.authPass ?? ''),
    advertIntervalUs: v.version === 2 ? v.advertInterval * 1_000_000 : v.advertInterval * 10_000,
    vips: v.vips.map((a) => parseAddress(a)!), unicast: !!v.unicastPeer,
    unicastPeers: v.unicastSrc ? [{ address: parseIPv4(v.unicastSrc)!, minTtl: 0, maxTtl: 255 }] : [],
    checkUnicastSrc: false, unicastChecksumCompat: 'none', mcastGroup4: MCAST4, ahSeqNumber: 0, ifname: 'eth0',
    ...over,
  };
}

/** What the raw socket hands over for a captured packet: IPv4 with header, IPv6 without. */
function received(ip: Buffer, family: 4 | 6): { packet: Buffer; rx: AdvertRxContext } {
  if (family === 4) return { packet: Buffer.from(ip), rx: { ttl: ip[8]!, src: ip.subarray(12, 16) } };
  return { packet: Buffer.from(ip.subarray(40)), rx: { ttl: 255, src: ip.subarray(8, 24), dst: ip.subarray(24, 40) } };
}

function first(name: string): { packet: Buffer; rx: AdvertRxContext; inst: AdvertCheckInstance } {
  const v = vector(name);
  const p = vrrpPackets(name)[0]!;
  return { ...received(p.ip, v.family), inst: instanceFor(v) };
}

/** Recomputes the VRRPv2 checksum of an IPv4 packet after a mutation. */
function fixV2Checksum(p: Buffer): Buffer {
  fillVrrpChecksum(p, 20, p.length - 20, { mode: 'message' });
  return p;
}

/** The parts of a refusal a test compares; counterFromTable checks the reason's counter mapping was used. */
function refusal(r: AdvertCheckResult): { reason: DropReason | 'accepted'; logText: string | null; counterFromTable: boolean } {
  if (r.ok) return { reason: 'accepted', logText: r.logText, counterFromTable: true };
  return { reason: r.reason, logText: r.logText, counterFromTable: r.counter === DROP_REASONS[r.reason].counter };
}

function refused(reason: DropReason, logText: string | null): ReturnType<typeof refusal> {
  return { reason, logText, counterFromTable: true };
}

t.test('every captured advert passes the receiving instance built from its configuration', async (t) => {
  for (const v of VECTORS) {
    const stats = createVrrpStats();
    const pkts = vrrpPackets(v.name);
    let zeros = 0;
    for (const p of pkts) {
      const { packet, rx } = received(p.ip, v.family);
      if (v.unicastPeer) { t.equal(rx.ttl, 255); }
      const r = validateAdvert(packet, rx, instanceFor(v));
      t.ok(r.ok, `${v.name} t=${p.time}${r.ok ? '' : ` ${r.logText}`}`);
      if (r.ok) {
        t.equal(r.vrrpOffset, v.family === 4 ? 20 : 0);
        t.equal(r.advertInterval, v.advertInterval);
        t.equal(r.logText, null);
        if (r.priorityZero) zeros++;
      }
      applyAdvertCheckToStats(stats, r);
    }
    t.equal(stats.advert_rcvd, pkts.length, `${v.name} advert_rcvd`);
    t.equal(stats.pri_zero_rcvd, zeros, `${v.name} pri_zero_rcvd`);
    t.equal(zeros, 1, 'each capture ends with one priority 0 advert');
  }
});

t.test('unicast capture: instance with unicast peers, TTL and source checks', async (t) => {
  const v = vector('v2-unicast');
  const { packet, rx } = received(vrrpPackets(v.name)[0]!.ip, 4);
  t.ok(validateAdvert(packet, { ...rx, ttl: 3 }, instanceFor(v)).ok, 'unicast ignores TTL != 255');
  t.ok(validateAdvert(packet, rx, instanceFor(v, { checkUnicastSrc: true })).ok, 'source is a configured peer');
  const stranger = instanceFor(v, { checkUnicastSrc: true, unicastPeers: [{ address: parseIPv4('192.0.2.50')!, minTtl: 0, maxTtl: 255 }] });
  const r = validateAdvert(packet, rx, stranger);
  t.same(refusal(r), refused('unicast_src_not_peer', '(VI_1) unicast source address 192.0.2.11 not a unicast peer'));
  if (!r.ok) { t.equal(r.advertCounted, true); t.equal(r.counter, null); }
  t.ok(validateAdvert(packet, rx, { ...stranger, checkUnicastSrc: false }).ok, 'no source check unless asked');
  const narrow = instanceFor(v, { checkUnicastSrc: true, unicastPeers: [{ address: parseIPv4('192.0.2.11')!, minTtl: 250, maxTtl: 254 }] });
  t.same(refusal(validateAdvert(packet, rx, narrow)), refused('unicast_ttl_range', '(VI_1) TTL/HL 255 not in range 250 - 254'));
  t.ok(validateAdvert(packet, { ...rx, ttl: -1 }, narrow).ok, 'TTL range skipped when no TTL was received');
  const mcastInst = instanceFor(v, { unicast: false });
  t.same(refusal(validateAdvert(packet, rx, mcastInst)), refused('cast_mismatch', '(VI_1) Expected multicast packet but received unicast packet'));
  const { packet: mp, rx: mrx } = first('v2-noauth');
  t.same(refusal(validateAdvert(mp, mrx, instanceFor(vector('v2-noauth'), { unicast: true }))), refused('cast_mismatch',
    '(VI_1) Expected unicast packet but received multicast packet'));
});

t.test('mutated IPv4 packets are refused with keepalived\'s reason, counter and text', async (t) => {
  const { packet, rx, inst } = first('v2-pass');
  t.ok(validateAdvert(packet, rx, inst).ok, 'baseline accepted');

  t.same(refusal(validateAdvert(packet, { ...rx, ttl: 64 }, inst)), refused('ttl', '(VI_1) invalid TTL/HL. Received 64 and expect 255'));
  t.ok(validateAdvert(packet, { ...rx, ttl: -1 }, inst).ok, 'no TTL received: not checked');

  const longer = Buffer.concat([packet, Buffer.from([0])]);
  t.same(refusal(validateAdvert(longer, rx, inst)), refused('packet_length', '(VI_1) vrrp packet too long, length 41 and expect 40'));
  t.same(refusal(validateAdvert(packet.subarray(0, 39), rx, inst)), refused('packet_length', '(VI_1) vrrp packet too short, length 39 and expect 40'));
  t.same(refusal(validateAdvert(packet.subarray(0, 27), rx, inst)), refused('header_too_short', 'IPv4 VRRP packet too short - 27 bytes'));
  t.same(refusal(validateAdvert(packet, rx, { ...inst, version: 3 })), refused('version', '(VI_1) wrong version. Received 2 and expect 3'));

  const badAuthType = fixV2Checksum(Buffer.from(packet)); badAuthType[24] = 3; fixV2Checksum(badAuthType);
  t.same(refusal(validateAdvert(badAuthType, rx, inst)), refused('invalid_auth_type', '(VI_1) Invalid auth type: 3'));
  t.same(refusal(validateAdvert(packet, rx, { ...inst, authType: 0 })), refused('auth_type_mismatch', '(VI_1) received a 1 auth, expecting 0!'));
  t.same(refusal(validateAdvert(packet, rx, { ...inst, authData: encodeAuthPass('wrong') })), refused('auth_pass_failure', '(VI_1) received an invalid passwd!'));
  t.same(refusal(validateAdvert(packet, rx, { ...inst, authType: VRRP_AUTH_AH })), refused('ah_presence_mismatch', '(VI_1) No AH header but auth type is AH'));

  const interval = validateAdvert(packet, rx, { ...inst, advertIntervalUs: 2_000_000 });
  t.same(refusal(interval), refused('advert_interval', "(VI_1) advertisement interval mismatch mine=2 sec rcv'd=1 sec"));
  if (!interval.ok) { t.equal(interval.verdict, 'drop'); t.equal(interval.counter, null, 'keepalived 2.2.7 counts nothing'); }

  const badType = Buffer.from(packet); badType[20] = 0x22; fixV2Checksum(badType);
  t.same(refusal(validateAdvert(badType, rx, inst)), refused('invalid_type', '(VI_1) Invalid packet type. 2 and expect 1'));

  const twoVips = { ...inst, vips: [parseIPv4('192.0.2.200')!, parseIPv4('192.0.2.201')!] };
  t.same(refusal(validateAdvert(packet, rx, twoVips)), refused('address_count', '(VI_1) received an unexpected ip number count 1, expected 2!'));
  t.ok(validateAdvert(packet, { ...rx, checkVips: false }, twoVips).ok, 'skip_check_adv_addr path does not compare VIPs');

  const otherVip = validateAdvert(packet, rx, { ...inst, vips: [parseIPv4('192.0.2.99')!] });
  t.same(refusal(otherVip), refused('vip_missing', '(VI_1) ip address associated with VRID 51 not present in MASTER advert: 192.0.2.99'));
  if (!otherVip.ok) t.equal(otherVip.advertCounted, true, 'VIP refusals come after advert_rcvd');

  const badSum = Buffer.from(packet); badSum[27] ^= 0x40;
  t.same(refusal(validateAdvert(badSum, rx, inst)), refused('checksum', '(VI_1) Invalid VRRPv2 checksum'));

  t.same(refusal(validateAdvert(packet, rx, { ...inst, vrid: 9 })), refused('unknown_vrid', 'Unknown VRID(51) received on interface(eth0). ignoring...'));

  // ip_tot_len mismatch (no auth, so the password lookup by tot_len is not in the way).
  const noauth = first('v2-noauth');
  const totLen = Buffer.from(noauth.packet); totLen.writeUInt16BE(41, 2);
  t.same(refusal(validateAdvert(totLen, noauth.rx, noauth.inst)), refused('ip_total_length', '(VI_1) ip_tot_len mismatch against received length. 41 and received 40'));
  // With PASS, keepalived reads the password at ip + tot_len - 8, so a wrong tot_len fails auth first.
  const pwShift = Buffer.from(packet); pwShift.writeUInt16BE(30, 2);
  t.same(refusal(validateAdvert(pwShift, rx, inst)), refused('auth_pass_failure', '(VI_1) received an invalid passwd!'));
  const pwBeyond = Buffer.from(packet); pwBeyond.writeUInt16BE(0xffff, 2);
  t.same(refusal(validateAdvert(pwBeyond, rx, inst)), refused('auth_pass_failure', '(VI_1) received an invalid passwd!'));
});

t.test('validation at a non-zero offset inside a larger receive buffer', async (t) => {
  const { packet, rx, inst } = first('v3-ipv4-cs');
  const big = Buffer.alloc(packet.length + 100, 0x55);
  packet.copy(big, 37);
  const r = validateAdvert(big, rx, inst, 37, packet.length);
  t.ok(r.ok);
  if (r.ok) { t.equal(r.vrrpOffset, 20); t.equal(r.advertInterval, 10); }
  t.same(refusal(validateAdvert(big, rx, inst, 37, packet.length + 1)), refused('packet_length', '(VI_1) vrrp packet too long, length 37 and expect 36'));
  t.same(refusal(validateAdvert(big, rx, inst, big.length + 5, 40)), refused('header_too_short', 'IPv4 VRRP packet too short - 0 bytes'));
});

t.test('VRRPv3 IPv4: checksum forms and old unicast checksum auto-detection', async (t) => {
  const v3 = first('v3-ipv4');
  const badSum = Buffer.from(v3.packet); badSum[27] ^= 1;
  t.same(refusal(validateAdvert(badSum, v3.rx, v3.inst)), refused('checksum', '(VI_1) Invalid VRRPv3 checksum'));
  const reserved = Buffer.from(v3.packet); reserved[24] |= 0xf0;
  const resNoFix = validateAdvert(reserved, v3.rx, v3.inst);
  t.equal(resNoFix.ok, false, 'reserved bits are covered by the checksum');

  const src = parseIPv4('192.0.2.11')!;
  const peer = parseIPv4('192.0.2.100')!;
  const spec = { version: 3 as const, vrid: 61, priority: 100, advertInterval: 100, vips: [parseIPv4('192.0.2.200')!], src, dst: peer, ipId: 1 };
  const modern = Buffer.alloc(ipv4AdvertLength(spec)); buildIPv4Advert(spec, modern);
  const old = Buffer.alloc(ipv4AdvertLength(spec)); buildIPv4Advert({ ...spec, checksumPseudoDst: MCAST4 }, old);
  const inst: AdvertCheckInstance = {
    iname: 'VI_U', vrid: 61, version: 3, family: 4, authType: 0, authData: new Uint8Array(8), advertIntervalUs: 1_000_000,
    vips: spec.vips, unicast: true, unicastPeers: [{ address: src, minTtl: 0, maxTtl: 255 }], checkUnicastSrc: true,
    unicastChecksumCompat: 'none', mcastGroup4: MCAST4, ahSeqNumber: 0,
  };
  const rx = { ttl: 255, src };

  const a = validateAdvert(modern, rx, inst);
  t.ok(a.ok && !a.oldUnicastChecksumDetected, 'modern checksum accepted as is');
  const b = validateAdvert(old, rx, inst);
  t.ok(b.ok, 'old checksum accepted by auto-detection');
  if (b.ok) {
    t.equal(b.oldUnicastChecksumDetected, true);
    t.equal(b.logText, '(VI_U) Setting unicast VRRPv3 checksum to old version');
  }
  t.same(refusal(validateAdvert(old, rx, { ...inst, unicastChecksumCompat: 'never' })), refused('checksum', '(VI_U) Invalid VRRPv3 checksum'));
  const c = validateAdvert(old, rx, { ...inst, unicastChecksumCompat: 'auto' });
  t.ok(c.ok && !c.oldUnicastChecksumDetected, 'once in auto mode the old form is the expected one');
  t.ok(validateAdvert(old, rx, { ...inst, unicastChecksumCompat: 'config' }).ok);
  t.same(refusal(validateAdvert(modern, rx, { ...inst, unicastChecksumCompat: 'config' })), refused('checksum', '(VI_U) Invalid VRRPv3 checksum'));

  const asV2 = Buffer.alloc(ipv4AdvertLength(spec)); buildIPv4Advert({ ...spec, v3ChecksumAsV2: true }, asV2);
  t.ok(validateAdvert(asV2, rx, { ...inst, v3ChecksumAsV2: true }).ok, 'v3_checksum_as_v2 instance accepts message-only sums');
  t.same(refusal(validateAdvert(modern, rx, { ...inst, v3ChecksumAsV2: true })), refused('checksum', '(VI_U) Invalid VRRPv3 checksum'));
  t.same(refusal(validateAdvert(asV2, rx, inst)), refused('checksum', '(VI_U) Invalid VRRPv3 checksum'));
});

t.test('IPv6: hop limit, multicast destination from pktinfo, length, VIPs', async (t) => {
  const { packet, rx, inst } = first('v3-ipv6-ll');
  t.ok(validateAdvert(packet, rx, inst).ok);
  t.same(refusal(validateAdvert(packet, { ...rx, ttl: 1 }, inst)), refused('ttl', '(VI_6) invalid TTL/HL. Received 1 and expect 255'));
  t.same(refusal(validateAdvert(packet, { ...rx, dst: parseIPv6('fe80::1') }, inst)), refused('cast_mismatch', '(VI_6) Expected multicast packet but received unicast packet'));
  t.same(refusal(validateAdvert(packet, { ...rx, dst: null }, inst)), refused('cast_mismatch', '(VI_6) Expected multicast packet but received unicast packet'));
  t.same(refusal(validateAdvert(packet.subarray(0, 7), rx, inst)), refused('header_too_short', 'IPv6 VRRP packet too short - 7 bytes'));
  t.same(refusal(validateAdvert(packet.subarray(0, 39), rx, inst)), refused('packet_length', '(VI_6) vrrp packet too short, length 39 and expect 40'));
  t.same(refusal(validateAdvert(packet, rx, { ...inst, vips: [parseIPv6('fe80::200')!, parseIPv6('2001:db8::99')!] })), refused('vip_missing',
    '(VI_6) ip address associated with VRID 56 not present in MASTER advert: 2001:db8::99'));
  t.ok(validateAdvert(packet, rx, { ...inst, vips: [...inst.vips].reverse() }).ok, 'VIP order does not matter');
  // The kernel verifies IPv6 checksums; keepalived (and we) do not look at them.
  const badSum = Buffer.from(packet); badSum[7] ^= 1;
  t.ok(validateAdvert(badSum, rx, inst).ok);
  t.same(refusal(validateAdvert(packet, rx, { ...inst, version: 2 })), refused('version', '(VI_6) wrong version. Received 3 and expect 2'));
  t.same(rx.dst, MCAST6);
});

t.test('AH authentication (VRRPv2)', async (t) => {
  const src = parseIPv4('192.0.2.11')!;
  const key = encodeAuthPass('ahsecret');
  const spec = { version: 2 as const, vrid: 70, priority: 120, advertInterval: 1, vips: [parseIPv4('192.0.2.200')!], src, dst: MCAST4, ipId: 3, authType: VRRP_AUTH_AH, authData: key, ahSeqNumber: 7 };
  const pkt = Buffer.alloc(ipv4AdvertLength(spec)); buildIPv4Advert(spec, pkt);
  const inst: AdvertCheckInstance = {
    iname: 'VI_AH', vrid: 70, version: 2, family: 4, authType: VRRP_AUTH_AH, authData: key, advertIntervalUs: 1_000_000,
    vips: spec.vips, unicast: false, unicastPeers: [], checkUnicastSrc: false, unicastChecksumCompat: 'none', mcastGroup4: MCAST4, ahSeqNumber: 6,
  };
  const rx = { ttl: 255, src };
  const ok = validateAdvert(pkt, rx, inst);
  t.ok(ok.ok);
  if (ok.ok) { t.equal(ok.vrrpOffset, 44); t.equal(ok.ahSeqNumber, 7, 'caller stores the new sequence number'); }
  t.same(refusal(validateAdvert(pkt, rx, { ...inst, ahSeqNumber: 7 })), refused('ah_sequence', '(VI_AH) IPSEC-AH : sequence number 7 already processed. Packet dropped. Local(7)'));
  t.same(refusal(validateAdvert(pkt, rx, { ...inst, authData: encodeAuthPass('other') })), refused('ah_icv',
    '(VI_AH) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !'));
  t.same(refusal(validateAdvert(pkt, rx, { ...inst, authType: 1 })), refused('ah_presence_mismatch', '(VI_AH) Received AH header but auth type not AH'));
  // TTL is a mutable field only for unicast instances; the sender was multicast, so a changed TTL breaks the ICV.
  const spi = Buffer.from(pkt); spi[27] = 99;
  spi.set(computeAhIcv(spi, 0, spi.length, key, false), 32);
  t.same(refusal(validateAdvert(spi, rx, inst)), refused('ah_spi', 'IPSEC AH : invalid IPSEC SPI value. 184680640 and expect 1661075648'));
  const notVrrp = Buffer.from(pkt); notVrrp[20] = 6;
  const nv = validateAdvert(notVrrp, rx, inst);
  t.same(refusal(nv), refused('ah_not_vrrp', null));
  if (!nv.ok) t.equal(nv.verdict, 'drop');
  const late = validateAdvert(pkt, rx, { ...inst, advertIntervalUs: 3_000_000 });
  t.same(refusal(late), refused('advert_interval', "(VI_AH) advertisement interval mismatch mine=3 sec rcv'd=1 sec"));
  if (!late.ok) t.equal(late.ahSeqNumber, 7, 'AH state moved even though the advert was then dropped');
  t.same(refusal(validateAdvert(pkt.subarray(0, 50), rx, inst)), refused('ah_header_too_short', 'IPv4 VRRP packet with AH too short - 50 bytes'));
  t.equal(internetChecksum(pkt, 0, 20), 0, 'IP header checksum as the kernel would fill it');
});

t.test('stats application follows keepalived (advert_rcvd before VIP checks)', async (t) => {
  const { packet, rx, inst } = first('v2-noauth');
  const stats = createVrrpStats();
  applyAdvertCheckToStats(stats, validateAdvert(packet, { ...rx, ttl: 1 }, inst));
  applyAdvertCheckToStats(stats, validateAdvert(packet, rx, { ...inst, vips: [parseIPv4('192.0.2.1')!] }));
  applyAdvertCheckToStats(stats, validateAdvert(packet, rx, { ...inst, advertIntervalUs: 5_000_000 }));
  applyAdvertCheckToStats(stats, validateAdvert(packet, rx, { ...inst, version: 3 }));
  t.equal(stats.ip_ttl_err, 1);
  t.equal(stats.addr_list_err, 1);
  t.equal(stats.advert_rcvd, 1, 'only the VIP refusal had been counted as an advert');
  t.equal(stats.advert_interval_err, 0);
  t.equal(stats.vers_err, 1);
});
