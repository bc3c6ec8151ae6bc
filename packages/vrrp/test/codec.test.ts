import t from 'tap';
import {
  buildIPv4Advert, buildIPv6Advert, checksumModeFor, computeVrrpChecksum, decodeIPv4AdvertPacket, decodeIPv6Header,
  decodeVrrpAdvert, encodeAuthPass, encodeIPv4AdvertPacket, encodeIPv6Header, encodeVrrpAdvert, formatIPv6,
  ipv4AdvertLength, parseAddress, parseIPv4, parseIPv6, verifyIPv4HeaderChecksum, verifyVrrpChecksum,
  internetChecksum, checksumUpdate16, checksumUpdate32, readU32, decodeIPv4Header, encodeIPv4Header,
  decodeIpsecAh, encodeIpsecAh, computeAhIcv, nextIPv4Id, IPPROTO_AH, IPPROTO_VRRP, VRRP_AUTH_AH, fillVrrpChecksum,
} from '../src/index.js';
import { readConf, readPcap, loadHexFrames, VECTORS, vrrpPackets, ipPacketOfFrame } from './fixtures/vectors.js';

const MCAST4 = parseIPv4('224.0.0.18')!;
const MCAST6 = parseIPv6('ff02::12')!;

t.test('vector table agrees with each captured .conf', async (t) => {
  for (const v of VECTORS) {
    const conf = readConf(v.name);
    t.match(conf, new RegExp(`virtual_router_id ${v.vrid}\\b`), `${v.name} vrid`);
    t.match(conf, new RegExp(`version ${v.version}\\b`), `${v.name} version`);
    t.match(conf, new RegExp(`vrrp_instance ${v.iname} `), `${v.name} iname`);
    for (const vip of v.vips) t.ok(conf.includes(`${vip}/`), `${v.name} vip ${vip}`);
    if (v.authPass) t.ok(conf.includes(`auth_pass ${v.authPass}`), `${v.name} auth_pass`);
  }
});

t.test('pcap records are the same frames as the .hex lines', async (t) => {
  for (const v of VECTORS) {
    const pcap = readPcap(v.name);
    const hex = loadHexFrames(v.name);
    t.equal(pcap.linkType, 1, `${v.name} is Ethernet`);
    t.equal(pcap.records.length, hex.length, `${v.name} record count`);
    pcap.records.forEach((r, i) => t.same(Buffer.from(r.data), hex[i]!.bytes, `${v.name} frame ${i}`));
  }
});

t.test('every IPv4 capture decodes, verifies and re-encodes byte for byte (offset 0 and 13)', async (t) => {
  let count = 0;
  for (const v of VECTORS.filter((x) => x.family === 4)) {
    for (const { ip } of vrrpPackets(v.name)) {
      const d = decodeIPv4AdvertPacket(ip, 0, ip.length);
      if (!d.ok) { t.fail(`${v.name}: ${d.error}`); continue; }
      const p = d.packet;
      t.equal(d.byteLength, ip.length);
      t.equal(p.ip.tos, 0xc0);
      t.equal(p.ip.ttl, 255);
      t.equal(p.ip.protocol, IPPROTO_VRRP);
      t.equal(p.ip.fragOff, 0);
      t.ok(verifyIPv4HeaderChecksum(ip, 0), 'IP header checksum');
      t.equal(p.vrrp.version, v.version);
      t.equal(p.vrrp.vrid, v.vrid);
      t.equal(p.vrrp.advertInterval, v.advertInterval);
      t.same(p.vrrp.addresses.map((a) => [...a].join('.')), v.vips);
      const mode = checksumModeFor(v.version, 4);
      t.ok(verifyVrrpChecksum(ip, d.vrrpOffset, ip.length - d.vrrpOffset, { mode, src: p.ip.src, dst: p.ip.dst }), 'VRRP checksum');

      const out = Buffer.alloc(ip.length);
      t.equal(encodeIPv4AdvertPacket(p, out, 0), ip.length);
      t.same(out, ip, `${v.name} re-encodes identically`);
      const shifted = Buffer.alloc(ip.length + 20, 0xee);
      encodeIPv4AdvertPacket(p, shifted, 13);
      t.same(shifted.subarray(13, 13 + ip.length), ip, 'at offset 13');
      t.equal(shifted[12], 0xee, 'byte before untouched');
      t.equal(shifted[13 + ip.length], 0xee, 'byte after untouched');
      const again = decodeIPv4AdvertPacket(shifted, 13, ip.length);
      t.ok(again.ok && again.byteLength === ip.length, 'decodes at offset 13');
      count++;
    }
  }
  t.equal(count, 93, 'all 93 IPv4 adverts seen');
});

t.test('building from the configuration reproduces keepalived\'s IPv4 adverts exactly', async (t) => {
  for (const v of VECTORS.filter((x) => x.family === 4)) {
    for (const { ip } of vrrpPackets(v.name)) {
      const d = decodeIPv4AdvertPacket(ip, 0, ip.length);
      if (!d.ok) { t.fail(d.error); continue; }
      const spec = {
        version: v.version, vrid: v.vrid, priority: d.packet.vrrp.priority, advertInterval: v.advertInterval,
        vips: v.vips.map((a) => parseAddress(a)!), src: parseIPv4(v.unicastSrc ?? '192.0.2.11')!,
        dst: v.unicastPeer ? parseIPv4(v.unicastPeer)! : MCAST4, ipId: d.packet.ip.id, authType: v.authType,
        ...(v.authPass ? { authData: encodeAuthPass(v.authPass) } : {}),
      };
      t.ok(d.packet.vrrp.priority === 150 || d.packet.vrrp.priority === 0, 'priority is 150 or the shutdown 0');
      const out = Buffer.alloc(ipv4AdvertLength(spec) + 5);
      const n = buildIPv4Advert(spec, out, 5);
      t.equal(n, ip.length);
      t.same(out.subarray(5), ip, `${v.name} id=${d.packet.ip.id} prio=${d.packet.vrrp.priority}`);
    }
  }
});

t.test('golden checksums from DECODED.txt', async (t) => {
  const first = (name: string): Buffer => vrrpPackets(name)[0]!.ip;
  const cs = (ip: Buffer, off: number): number => ip.readUInt16BE(off + 6);
  t.equal(cs(first('v2-noauth'), 20), 0x8601);
  t.equal(cs(first('v2-pass-3vip'), 20), 0x40be);
  t.equal(cs(first('v2-unicast'), 20), 0x85ff);
  t.equal(cs(first('v3-ipv4'), 20), 0xd303);
  t.equal(cs(first('v3-ipv4-cs'), 20), 0x108c);
  t.equal(cs(first('v3-ipv6'), 40), 0x6c62);
  t.equal(cs(first('v3-ipv6-ll'), 40), 0x6bcf);
  const last = vrrpPackets('v2-noauth').at(-1)!.ip;
  t.equal(last[22], 0, 'shutdown advert has priority 0');
  t.equal(cs(last, 20), 0x1c02);
  // PASS auth data: 'longpassword12' is cut to 8 bytes like keepalived's auth_pass.
  t.equal(first('v2-pass-3vip').subarray(-8).toString('latin1'), 'longpass');
  t.same(encodeAuthPass('longpassword12'), Buffer.from('longpass'));
  t.same(encodeAuthPass('s3cret'), Buffer.from('s3cret\0\0', 'latin1'));
});

t.test('every IPv6 capture: IPv6 header and VRRP message round-trip, RFC 8200 checksum verifies', async (t) => {
  let count = 0;
  for (const v of VECTORS.filter((x) => x.family === 6)) {
    for (const { ip } of vrrpPackets(v.name)) {
      const h = decodeIPv6Header(ip, 0, ip.length);
      if (!h.ok) { t.fail('ipv6 header'); continue; }
      t.equal(h.header.version, 6);
      t.equal(h.header.trafficClass, 0xc0);
      t.equal(h.header.hopLimit, 255);
      t.equal(h.header.nextHeader, IPPROTO_VRRP);
      t.same(h.header.dst, MCAST6);
      t.equal(h.header.payloadLength, ip.length - 40);
      const hdrOut = Buffer.alloc(40);
      encodeIPv6Header(h.header, hdrOut, 0);
      t.same(hdrOut, ip.subarray(0, 40), 'IPv6 header round-trips');

      const d = decodeVrrpAdvert(ip, 40, ip.length - 40, 6);
      if (!d.ok) { t.fail(d.error); continue; }
      t.equal(d.byteLength, ip.length - 40);
      t.same(d.advert.addresses.map((a) => formatIPv6(a)), v.vips);
      t.ok(verifyVrrpChecksum(ip, 40, ip.length - 40, { mode: 'ipv6-pseudo', src: h.header.src, dst: h.header.dst }));
      const out = Buffer.alloc(ip.length - 40 + 3);
      encodeVrrpAdvert(d.advert, 6, out, 3);
      t.same(out.subarray(3), ip.subarray(40), 're-encodes at offset 3');

      const built = Buffer.alloc(ip.length - 40);
      buildIPv6Advert({ vrid: v.vrid, priority: d.advert.priority, advertInterval: v.advertInterval, vips: v.vips.map((a) => parseIPv6(a)!), src: h.header.src, dst: MCAST6 }, built, 0);
      t.same(built, ip.subarray(40), `${v.name} built from config equals capture`);
      const kernelFills = Buffer.alloc(ip.length - 40);
      buildIPv6Advert({ vrid: v.vrid, priority: d.advert.priority, advertInterval: v.advertInterval, vips: v.vips.map((a) => parseIPv6(a)!) }, kernelFills, 0);
      t.equal(kernelFills.readUInt16BE(6), 0, 'without addresses the checksum is left for the kernel');
      count++;
    }
  }
  t.equal(count, 15, 'all 15 IPv6 adverts seen');
});

t.test('VRRPv3 IPv4 checksum variants', async (t) => {
  const src = parseIPv4('192.0.2.11')!;
  const peer = parseIPv4('192.0.2.100')!;
  const base = { version: 3 as const, vrid: 60, priority: 100, advertInterval: 100, vips: [parseIPv4('192.0.2.200')!], src, dst: peer, ipId: 1 };
  const len = ipv4AdvertLength(base);

  const modern = Buffer.alloc(len);
  buildIPv4Advert(base, modern);
  t.ok(verifyVrrpChecksum(modern, 20, len - 20, { mode: 'ipv4-pseudo', src, dst: peer }), 'unicast pseudo-header uses the peer');
  t.notOk(verifyVrrpChecksum(modern, 20, len - 20, { mode: 'ipv4-pseudo', src, dst: MCAST4 }));

  const old = Buffer.alloc(len);
  buildIPv4Advert({ ...base, checksumPseudoDst: MCAST4 }, old);
  t.ok(verifyVrrpChecksum(old, 20, len - 20, { mode: 'ipv4-pseudo', src, dst: MCAST4 }), 'old unicast form sums the multicast group');
  t.notOk(verifyVrrpChecksum(old, 20, len - 20, { mode: 'ipv4-pseudo', src, dst: peer }));
  // keepalived switches between the two by RFC 1624 incremental update of the 32-bit destination.
  t.equal(checksumUpdate32(modern.readUInt16BE(26), readU32(peer, 0), readU32(MCAST4, 0)), old.readUInt16BE(26));

  const asV2 = Buffer.alloc(len);
  buildIPv4Advert({ ...base, v3ChecksumAsV2: true }, asV2);
  t.equal(checksumModeFor(3, 4, true), 'message');
  t.ok(verifyVrrpChecksum(asV2, 20, len - 20, { mode: 'message' }), 'v3_checksum_as_v2 sums the message only');
  t.notOk(verifyVrrpChecksum(asV2, 20, len - 20, { mode: 'ipv4-pseudo', src, dst: peer }));
  t.throws(() => computeVrrpChecksum(asV2, 20, len - 20, { mode: 'ipv4-pseudo' }), TypeError);
});

t.test('internet checksum primitives', async (t) => {
  // RFC 1071 section 3 example: words 0001 f203 f4f5 f6f7 sum to ddf2 -> checksum 220d.
  const rfc = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  t.equal(internetChecksum(rfc, 0, 8), 0x220d);
  t.equal(internetChecksum(Uint8Array.from([0xab]), 0, 1), ~0xab00 & 0xffff, 'odd byte padded with zero');
  // Incremental priority update equals keepalived's shutdown packet (150 -> 0 in the word {prio, count}).
  const up = vrrpPackets('v2-noauth')[0]!.ip;
  const down = vrrpPackets('v2-noauth').at(-1)!.ip;
  t.equal(checksumUpdate16(up.readUInt16BE(26), (150 << 8) | 1, (0 << 8) | 1), down.readUInt16BE(26));
  t.equal(checksumUpdate16(0x1234, 7, 7), 0x1234, 'unchanged word leaves the checksum alone');
  let seed = 7;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  for (let i = 0; i < 500; i++) {
    const msg = new Uint8Array(16).map(() => rnd() & 0xff);
    msg[6] = 0; msg[7] = 0;
    const before = internetChecksum(msg, 0, 16);
    const oldWord = (msg[2]! << 8) | msg[3]!;
    const newWord = rnd() & 0xffff;
    msg[2] = newWord >>> 8; msg[3] = newWord & 0xff;
    const full = internetChecksum(msg, 0, 16);
    t.equal(checksumUpdate16(before, oldWord, newWord), full, `incremental == full #${i}`);
  }
});

t.test('IPv4 header codec: options, checksum actions, truncation', async (t) => {
  const h = {
    version: 4, ihl: 6, tos: 0xc0, totalLength: 48, id: 0xbeef, fragOff: 0x4000, ttl: 255, protocol: 112,
    checksum: 0, src: parseIPv4('192.0.2.1')!, dst: MCAST4, options: Uint8Array.from([0x94, 0x04, 0, 0]),
  };
  const buf = Buffer.alloc(30);
  t.equal(encodeIPv4Header(h, buf, 2, 'compute'), 24);
  t.ok(verifyIPv4HeaderChecksum(buf, 2));
  const d = decodeIPv4Header(buf, 2, 24);
  t.ok(d.ok);
  if (d.ok) {
    t.equal(d.headerLength, 24);
    t.same(d.header.options, h.options);
    t.equal(d.header.fragOff, 0x4000);
    const again = Buffer.alloc(24);
    encodeIPv4Header(d.header, again, 0, 'keep');
    t.same(again, buf.subarray(2, 26));
  }
  encodeIPv4Header(h, buf, 2, 'zero');
  t.equal(buf.readUInt16BE(12), 0);
  t.same(decodeIPv4Header(buf, 2, 23), { ok: false, error: 'truncated' });
  buf[2] = 0x44;
  t.same(decodeIPv4Header(buf, 2, 24), { ok: false, error: 'bad-ihl' });
  t.throws(() => encodeIPv4Header({ ...h, options: new Uint8Array(3) }, buf, 0), RangeError);
  t.equal(nextIPv4Id(0), 1, 'first advert has id 1, as in every capture');
  t.equal(nextIPv4Id(0xfffe), 0xffff);
  t.equal(nextIPv4Id(0xffff), 1, 'id 0 is skipped on wrap');
  const ids = vrrpPackets('v3-ipv4-cs').map((p) => p.ip.readUInt16BE(4));
  ids.slice(1).forEach((id, i) => t.equal(id, nextIPv4Id(ids[i]!), `capture id ${id} follows ${ids[i]}`));
});

t.test('AH: keepalived-style AH advert round-trips and its ICV covers the packet', async (t) => {
  const src = parseIPv4('192.0.2.11')!;
  const key = encodeAuthPass('ahsecret');
  const spec = { version: 2 as const, vrid: 70, priority: 120, advertInterval: 1, vips: [parseIPv4('192.0.2.200')!], src, dst: MCAST4, ipId: 9, authType: VRRP_AUTH_AH, authData: key, ahSeqNumber: 5 };
  const len = ipv4AdvertLength(spec);
  t.equal(len, 20 + 24 + 8 + 4 + 8, 'v2 over IPv4 keeps the 8 auth data bytes (zero) even with AH');
  const pkt = Buffer.alloc(len);
  buildIPv4Advert(spec, pkt);
  t.equal(pkt[9], IPPROTO_AH);
  t.equal(pkt.readUInt16BE(2), len);
  const d = decodeIPv4AdvertPacket(pkt, 0, len);
  if (!d.ok) { t.fail(d.error); return; }
  t.equal(d.vrrpOffset, 44);
  t.equal(d.packet.ah!.nextHeader, IPPROTO_VRRP);
  t.equal(d.packet.ah!.payloadLength, 4);
  t.equal(d.packet.ah!.spi, readU32(src, 0), 'SPI is the source address');
  t.equal(d.packet.ah!.seqNumber, 5);
  t.equal(d.packet.vrrp.authType, VRRP_AUTH_AH);
  t.same(d.packet.vrrp.authData, new Uint8Array(8), 'AH adverts carry zero auth data');
  t.same(computeAhIcv(pkt, 0, len, key, false), d.packet.ah!.icv);
  // Mutable fields do not change the ICV; anything else does.
  const mutated = Buffer.from(pkt);
  mutated[1] = 0; mutated[8] = 64;
  t.same(computeAhIcv(mutated, 0, len, key, true), computeAhIcv(pkt, 0, len, key, true));
  mutated[47] ^= 1;
  t.notSame(computeAhIcv(mutated, 0, len, key, true), computeAhIcv(pkt, 0, len, key, true));
  const out = Buffer.alloc(len + 4);
  encodeIPv4AdvertPacket(d.packet, out, 4);
  t.same(out.subarray(4), pkt);
  const ahOut = Buffer.alloc(24);
  encodeIpsecAh(d.packet.ah!, ahOut, 0);
  t.same(ahOut, pkt.subarray(20, 44));
  t.same(decodeIpsecAh(pkt, 20, 23), { ok: false, error: 'truncated' });
});

t.test('VRRP codec: v3 reserved bits and 12-bit interval, range errors', async (t) => {
  const advert = { version: 3, type: 1, vrid: 1, priority: 100, authType: 0, advertInterval: 0xabc, reserved: 0x5, checksum: 0x1234, addresses: [parseIPv4('192.0.2.1')!], authData: null };
  const buf = Buffer.alloc(12);
  encodeVrrpAdvert(advert, 4, buf, 0);
  t.same([...buf.subarray(0, 8)], [0x31, 1, 100, 1, 0x5a, 0xbc, 0x12, 0x34]);
  const d = decodeVrrpAdvert(buf, 0, 12, 4);
  t.ok(d.ok);
  if (d.ok) t.same(d.advert, advert);
  t.throws(() => encodeVrrpAdvert({ ...advert, advertInterval: 0x1000 }, 4, buf, 0), RangeError);
  t.throws(() => encodeVrrpAdvert({ ...advert, version: 2, advertInterval: 256 }, 4, Buffer.alloc(20), 0), RangeError);
  t.throws(() => encodeVrrpAdvert(advert, 4, buf, 1), RangeError);
  t.throws(() => encodeVrrpAdvert({ ...advert, addresses: [new Uint8Array(16)] }, 4, Buffer.alloc(40), 0), RangeError);
  fillVrrpChecksum(buf, 0, 12, { mode: 'message' });
  t.ok(verifyVrrpChecksum(buf, 0, 12, { mode: 'message' }));
});

t.test('decoders report every truncation of every capture instead of throwing', async (t) => {
  let checked = 0;
  for (const v of VECTORS) {
    for (const { ip, family } of vrrpPackets(v.name).slice(0, 1)) {
      for (let cut = 0; cut < ip.length; cut++) {
        const part = ip.subarray(0, cut);
        if (family === 4) t.equal(decodeIPv4AdvertPacket(part, 0, cut).ok, false, `${v.name} cut ${cut}`);
        else {
          t.equal(decodeIPv6Header(part, 0, cut).ok, cut >= 40, `${v.name} v6 header cut ${cut}`);
          if (cut >= 40) t.equal(decodeVrrpAdvert(part, 40, cut - 40, 6).ok, false, `${v.name} vrrp cut ${cut}`);
        }
        checked++;
      }
    }
  }
  t.ok(checked > 400);
  t.same(decodeVrrpAdvert(Buffer.alloc(4), 0, 4, 4), { ok: false, error: 'truncated-header' });
  t.same(decodeVrrpAdvert(Buffer.from([0x21, 1, 1, 2, 0, 1, 0, 0, 1, 2, 3, 4]), 0, 12, 4), { ok: false, error: 'truncated-addresses' });
  t.same(decodeVrrpAdvert(Buffer.from([0x21, 1, 1, 1, 0, 1, 0, 0, 1, 2, 3, 4]), 0, 12, 4), { ok: false, error: 'truncated-auth-data' });
  t.equal(decodeVrrpAdvert(Buffer.from([0x31, 1, 1, 1, 0, 1, 0, 0, 1, 2, 3, 4]), 0, 12, 4).ok, true, 'v3 has no auth data');
});

t.test('addresses print like inet_ntop', async (t) => {
  const cases: [string, string][] = [
    ['2001:db8::200', '2001:db8::200'], ['fe80::bcae:ceff:fe57:1423', 'fe80::bcae:ceff:fe57:1423'],
    ['::', '::'], ['::1', '::1'], ['ff02::12', 'ff02::12'], ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'], ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::192.0.2.1', '::192.0.2.1'], ['2001:db8:0:0:1::', '2001:db8:0:0:1::'], ['1::', '1::'], ['::0.0.0.1', '::1'], ['::1:0:0:0:1', '::1:0:0:0:1'],
  ];
  for (const [input, want] of cases) t.equal(formatIPv6(parseIPv6(input)!), want, input);
  t.equal(parseIPv6('1:2:3'), null);
  t.equal(parseIPv6('1::2::3'), null);
  t.equal(parseIPv4('256.1.1.1'), null);
  t.equal(parseIPv4('1.2.3'), null);
  t.same(parseAddress('192.0.2.7'), Uint8Array.from([192, 0, 2, 7]));
  t.same(parseIPv6('fe80::1%eth0'), parseIPv6('fe80::1'));
});

t.test('the Ethernet stripping used by these tests', async (t) => {
  const f = loadHexFrames('v3-ipv6')[0]!;
  const { ethertype, ip } = ipPacketOfFrame(f.bytes);
  t.equal(ethertype, 0x86dd);
  t.equal(ip[0]! >>> 4, 6);
});
