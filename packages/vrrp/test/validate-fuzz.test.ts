import t from 'tap';
import {
  decodeIPv4AdvertPacket, decodeIPv6Header, decodeVrrpAdvert, decodeIpsecAh, encodeAuthPass, parseAddress, parseIPv4,
  validateAdvert, applyAdvertCheckToStats, createVrrpStats,
} from '../src/index.js';
import type { AdvertCheckInstance, AdvertCheckResult } from '../src/index.js';
import { VECTORS, vrrpPackets } from './fixtures/vectors.js';

// Deterministic so a failure can be replayed.
let seed = 0x5eed1234;
function rnd(n: number): number {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed % n;
}

const MCAST4 = parseIPv4('224.0.0.18')!;
const instances: AdvertCheckInstance[] = VECTORS.map((v) => ({
  iname: v.iname, vrid: v.vrid, version: v.version, family: v.family, authType: rnd(4) === 0 ? 2 : v.authType,
  authData: encodeAuthPass(v.authPass ?? ''), advertIntervalUs: v.version === 2 ? 1_000_000 : v.advertInterval * 10_000,
  vips: v.vips.map((a) => parseAddress(a)!), unicast: !!v.unicastPeer,
  unicastPeers: [{ address: parseIPv4('192.0.2.11')!, minTtl: 0, maxTtl: 255 }], checkUnicastSrc: true,
  unicastChecksumCompat: (['none', 'never', 'config', 'auto'] as const)[rnd(4)]!, mcastGroup4: MCAST4, ahSeqNumber: 0,
}));
const seeds = VECTORS.flatMap((v, i) => vrrpPackets(v.name).slice(0, 2).map((p) => ({ i, family: v.family, bytes: v.family === 4 ? p.ip : p.ip.subarray(40) })));

function mutate(src: Uint8Array): Uint8Array {
  switch (rnd(5)) {
    case 0: { // random bytes, random length
      const out = new Uint8Array(rnd(120));
      for (let k = 0; k < out.length; k++) out[k] = rnd(256);
      return out;
    }
    case 1: return src.subarray(0, rnd(src.length + 1)); // truncation
    case 2: { // extension with junk
      const out = new Uint8Array(src.length + 1 + rnd(40));
      out.set(src);
      for (let k = src.length; k < out.length; k++) out[k] = rnd(256);
      return out;
    }
    default: { // a few flipped bytes, often in the headers
      const out = Uint8Array.from(src);
      const flips = 1 + rnd(4);
      for (let k = 0; k < flips && out.length; k++) out[rnd(Math.min(out.length, rnd(2) ? 30 : out.length))] = rnd(256);
      return out;
    }
  }
}

t.test('100k random and mutated buffers: decoders and validateAdvert never throw', async (t) => {
  const stats = createVrrpStats();
  const reasons = new Map<string, number>();
  let threw = 0;
  let firstError = '';
  for (let n = 0; n < 100_000; n++) {
    const s = seeds[rnd(seeds.length)]!;
    const buf = mutate(s.bytes);
    const inst = instances[rnd(3) === 0 ? rnd(instances.length) : s.i]!;
    try {
      decodeIPv4AdvertPacket(buf, 0, buf.length);
      decodeIPv6Header(buf, 0, buf.length);
      decodeVrrpAdvert(buf, rnd(4), buf.length, rnd(2) ? 4 : 6);
      decodeIpsecAh(buf, 20, buf.length - 20);
      const r: AdvertCheckResult = validateAdvert(buf, { ttl: rnd(8) === 0 ? rnd(256) : 255, src: buf.subarray(12, 16).length === 4 ? buf.subarray(12, 16) : new Uint8Array(4), dst: rnd(2) ? buf.subarray(0, 16) : null, checkVips: rnd(4) !== 0 }, { ...inst, family: s.family },
        rnd(10) === 0 ? rnd(8) : 0, rnd(10) === 0 ? rnd(200) - 50 : undefined);
      applyAdvertCheckToStats(stats, r);
      const key = r.ok ? 'accepted' : r.reason;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    } catch (e) {
      threw++;
      if (!firstError) firstError = `iteration ${n}: ${String(e)}`;
    }
  }
  t.equal(threw, 0, firstError || 'no exceptions');
  // The mutations must actually reach deep checks, or this test proves little.
  for (const r of ['accepted', 'packet_length', 'checksum', 'header_too_short', 'version', 'invalid_type', 'unknown_vrid']) {
    t.ok((reasons.get(r) ?? 0) > 0, `reached ${r} (${reasons.get(r) ?? 0})`);
  }
});
