/**
 * Receive-side advert validation, a pure function in keepalived 2.2.7's order
 * (vrrp_get_header, the dispatcher's VRID lookup, vrrp_check_packet and
 * vrrp_in_chk_ipsecah). It reads the packet in place: no copies, no closures
 * and no strings on the accepting path; only a refusal builds its log line.
 */
import { bytesEqual, formatAddress, readU32 } from '../codec/address.js';
import { ipv4PseudoHeaderSum, internetChecksum } from '../codec/checksum.js';
import { computeAhIcv, HMAC_MD5_96_LEN, IPSEC_AH_LEN } from '../codec/ipsec-ah.js';
import { IPPROTO_AH } from '../codec/ipv4-header.js';
import {
  IPPROTO_VRRP, VRRP_AUTH_AH, VRRP_AUTH_DATA_LEN, VRRP_AUTH_NONE, VRRP_AUTH_PASS, VRRP_HEADER_LEN, VRRP_IP_TTL,
  VRRP_TYPE_ADVERT, VRRP_VERSION_2, VRRP_VERSION_3,
} from '../codec/vrrp-header.js';
import type { AddressFamily } from '../codec/vrrp-header.js';
import { DROP_REASONS, logText } from './drop-reasons.js';
import type { DropReason } from './drop-reasons.js';

/** keepalived's chksum_compatibility_t, as set by old_unicast_checksum [never] and auto-detection. */
export type UnicastChecksumCompat = 'none' | 'never' | 'config' | 'auto';

export interface UnicastPeerCheck {
  /** 4 or 16 bytes. */
  address: Uint8Array;
  /** unicast_peer min_ttl / max_ttl (defaults 0 and 255). */
  minTtl: number;
  maxTtl: number;
}

/** What the validator needs to know about the receiving instance. */
export interface AdvertCheckInstance {
  iname: string;
  vrid: number;
  version: 2 | 3;
  family: AddressFamily;
  authType: number;
  /** The 8-byte zero-padded auth_pass (PASS data, AH key). */
  authData: Uint8Array;
  /** keepalived's adver_int in microseconds; VRRPv2 adverts must carry exactly this many whole seconds. */
  advertIntervalUs: number;
  /** VIP bytes (4 or 16 each), in configuration order. */
  vips: readonly Uint8Array[];
  /** True when the instance has unicast peers. */
  unicast: boolean;
  unicastPeers: readonly UnicastPeerCheck[];
  /** global vrrp_check_unicast_src or the instance's check_unicast_src. */
  checkUnicastSrc: boolean;
  unicastChecksumCompat: UnicastChecksumCompat;
  /** VRRPv3/IPv4 checksum without the pseudo-header (keepalived's later v3_checksum_as_v2). */
  v3ChecksumAsV2?: boolean;
  /** global vrrp_mcast_group4 (224.0.0.18 unless configured), 4 bytes. */
  mcastGroup4: Uint8Array;
  /** ipsecah_counter.seq_number: the last AH sequence number accepted. */
  ahSeqNumber: number;
  /** Only for the unknown-VRID log line. */
  ifname?: string;
}

/** Per-packet facts from recvmsg, plus the caller's per-packet choice. */
export interface AdvertRxContext {
  /** IPv4 TTL from the header / IPv6 hop limit from IPV6_HOPLIMIT; -1 when not received. */
  ttl: number;
  /** Sender address from msg_name (4 or 16 bytes). */
  src: Uint8Array;
  /**
   * IPv6 only: destination from IPV6_PKTINFO, decides multicast vs unicast (null
   * when no pktinfo arrived: then it counts as unicast, as in keepalived).
   * For IPv4 the destination is read from the IP header.
   */
  dst?: Uint8Array | null;
  ifindex?: number;
  /**
   * false skips the VIP list and unicast source checks (a BACKUP with
   * skip_check_adv_addr, advert from the current master). Default true.
   */
  checkVips?: boolean;
}

export interface AdvertAccepted {
  ok: true;
  /** Where the VRRP message starts, relative to the offset passed in. */
  vrrpOffset: number;
  priority: number;
  /** v2: seconds; v3: Max Advert Int in centiseconds (reserved bits masked off). */
  advertInterval: number;
  /** keepalived bumps pri_zero_rcvd. */
  priorityZero: boolean;
  /**
   * VRRPv3 unicast advert matched only with the multicast group in the
   * pseudo-header: the caller must set unicastChecksumCompat = 'auto', send
   * with the old checksum from now on, and log logText.
   */
  oldUnicastChecksumDetected: boolean;
  /** New ipsecah_counter.seq_number to store, or -1 when AH was not involved. */
  ahSeqNumber: number;
  logText: string | null;
}

export interface AdvertRefused {
  ok: false;
  reason: DropReason;
  verdict: 'ko' | 'drop';
  /** The vrrp_stats field to bump, if any. */
  counter: (typeof DROP_REASONS)[DropReason]['counter'];
  /** advert_rcvd must be bumped too (refusals after keepalived counted the advert). */
  advertCounted: boolean;
  /** keepalived's LOG_INFO line, or null when it logs nothing. */
  logText: string | null;
  /** AH passed before the refusal: keepalived already stored this sequence number. -1 otherwise. */
  ahSeqNumber: number;
}

export type AdvertCheckResult = AdvertAccepted | AdvertRefused;

function refuse(reason: DropReason, text: string | null, ahSeqNumber = -1): AdvertRefused {
  const i = DROP_REASONS[reason];
  return { ok: false, reason, verdict: i.verdict, counter: i.counter, advertCounted: i.advertCounted, logText: text, ahSeqNumber };
}

/**
 * Where the VRRP header starts in a received packet (vrrp_get_header), or -1
 * when the packet is too short for it. IPv4 packets start with the IP header
 * (raw socket); IPv6 ones are the bare VRRP message.
 */
export function locateVrrpHeader(family: AddressFamily, buf: Uint8Array, offset: number, length: number): number {
  if (family === 6) return length >= VRRP_HEADER_LEN ? offset : -1;
  if (length < 20) return -1;
  // The kernel never hands over an ihl below 5; refuse it rather than read garbage.
  const ihl = (buf[offset]! & 0x0f) << 2;
  if (ihl < 20 || length < ihl + VRRP_HEADER_LEN) return -1;
  if (buf[offset + 9] === IPPROTO_AH) return length < ihl + IPSEC_AH_LEN + VRRP_HEADER_LEN ? -1 : offset + ihl + IPSEC_AH_LEN;
  return offset + ihl;
}

/** keepalived's in-memory view of 4 network-order bytes as a host (little-endian) uint32, for its SPI log line. */
function hostOrderU32(buf: Uint8Array, o: number): number {
  return ((buf[o + 3]! << 24) | (buf[o + 2]! << 16) | (buf[o + 1]! << 8) | buf[o]!) >>> 0;
}

function vrrpMessageSum(buf: Uint8Array, hd: number, len: number, initial: number): number {
  return internetChecksum(buf, hd, len, initial);
}

/**
 * Validates one received advert for `instance`. packet[offset, offset+length)
 * is what recvmsg returned. Never throws on any input.
 */
export function validateAdvert(
  packet: Uint8Array, rx: AdvertRxContext, instance: AdvertCheckInstance,
  offset = 0, length = packet.length - offset,
): AdvertCheckResult {
  const family = instance.family;
  const iname = instance.iname;
  if (!(offset >= 0 && offset <= packet.length)) { offset = 0; length = 0; }
  if (!(length >= 0)) length = 0;
  if (offset + length > packet.length) length = packet.length - offset;

  const hd = locateVrrpHeader(family, packet, offset, length);
  if (hd < 0) {
    if (family === 4 && length >= 20 && packet[offset + 9] === IPPROTO_AH && ((packet[offset]! & 0x0f) << 2) >= 20
      && length >= ((packet[offset]! & 0x0f) << 2) + VRRP_HEADER_LEN) {
      return refuse('ah_header_too_short', logText.ahHeaderTooShort(length));
    }
    return refuse('header_too_short', logText.headerTooShort(family, length));
  }

  const vrid = packet[hd + 1]!;
  if (vrid !== instance.vrid) return refuse('unknown_vrid', logText.unknownVrid(vrid, instance.ifname ?? '?'));

  const pktVersion = packet[hd]! >>> 4;
  const naddr = packet[hd + 3]!;
  const ip = offset;
  let ihl = 0;
  let expectedLen: number;
  if (family === 4) {
    ihl = (packet[ip]! & 0x0f) << 2;
    const isAh = packet[ip + 9] === IPPROTO_AH;
    const wantAh = instance.authType === VRRP_AUTH_AH;
    if (isAh !== wantAh) return refuse('ah_presence_mismatch', isAh ? logText.ahButNotAh(iname) : logText.noAhButAh(iname));
    expectedLen = ihl + (wantAh ? IPSEC_AH_LEN : 0) + VRRP_HEADER_LEN + naddr * 4 + (pktVersion === VRRP_VERSION_2 ? VRRP_AUTH_DATA_LEN : 0);
  } else {
    expectedLen = VRRP_HEADER_LEN + naddr * 16;
  }

  if (length !== expectedLen) return refuse('packet_length', logText.packetLength(iname, length, expectedLen));

  if (!instance.unicast && rx.ttl !== -1 && rx.ttl !== VRRP_IP_TTL) return refuse('ttl', logText.ttl(iname, rx.ttl));

  if (pktVersion !== instance.version) return refuse('version', logText.version(iname, pktVersion, instance.version));

  let ahSeq = -1;
  if (instance.version === VRRP_VERSION_2) {
    const authType = packet[hd + 4]!;
    if (authType !== VRRP_AUTH_AH && authType !== VRRP_AUTH_PASS && authType !== VRRP_AUTH_NONE) {
      return refuse('invalid_auth_type', logText.invalidAuthType(iname, authType));
    }
    if (authType !== instance.authType) return refuse('auth_type_mismatch', logText.authTypeMismatch(iname, authType, instance.authType));

    if (instance.authType === VRRP_AUTH_PASS) {
      // keepalived finds the password from ip->tot_len, not from the received length.
      const totLen = family === 4 ? (packet[ip + 2]! << 8) | packet[ip + 3]! : length;
      const pw = ip + totLen - VRRP_AUTH_DATA_LEN;
      if (pw < offset || pw + VRRP_AUTH_DATA_LEN > offset + length || !bytesEqual(packet, pw, instance.authData, 0, VRRP_AUTH_DATA_LEN)) {
        return refuse('auth_pass_failure', logText.authPassFailure(iname));
      }
    } else if (instance.authType === VRRP_AUTH_AH) {
      const ah = ip + ihl;
      if (packet[ah] !== IPPROTO_VRRP) return refuse('ah_not_vrrp', null);
      const icv = computeAhIcv(packet, ip, length, instance.authData, instance.unicast);
      if (!bytesEqual(packet, ah + 12, icv, 0, HMAC_MD5_96_LEN)) return refuse('ah_icv', logText.ahIcv(iname));
      if (!bytesEqual(packet, ah + 4, packet, ip + 12, 4)) {
        return refuse('ah_spi', logText.ahSpi(hostOrderU32(packet, ip + 12), hostOrderU32(packet, ah + 4)));
      }
      const seq = readU32(packet, ah + 8);
      if (seq <= instance.ahSeqNumber) return refuse('ah_sequence', logText.ahSequence(iname, seq, instance.ahSeqNumber));
      ahSeq = seq;
    }

    const rcvdSec = packet[hd + 5]!;
    if (instance.advertIntervalUs !== rcvdSec * 1_000_000) {
      return refuse('advert_interval', logText.advertInterval(iname, Math.floor(instance.advertIntervalUs / 1_000_000), rcvdSec), ahSeq);
    }
  }

  const type = packet[hd]! & 0x0f;
  if (type !== VRRP_TYPE_ADVERT) return refuse('invalid_type', logText.invalidType(iname, type), ahSeq);

  const checkVips = rx.checkVips ?? true;
  if (checkVips && naddr !== instance.vips.length) {
    return refuse('address_count', logText.addressCount(iname, naddr, instance.vips.length), ahSeq);
  }

  if (family === 4) {
    const totLen = (packet[ip + 2]! << 8) | packet[ip + 3]!;
    if (totLen !== length) return refuse('ip_total_length', logText.ipTotalLength(iname, totLen, length), ahSeq);
  }

  let oldChecksum = false;
  if (family === 4) {
    let vrrpLen = VRRP_HEADER_LEN + naddr * 4;
    if (instance.version === VRRP_VERSION_3 && !instance.v3ChecksumAsV2) {
      const compat = instance.unicastChecksumCompat;
      const useGroup = compat === 'config' || compat === 'auto';
      const dstBuf = useGroup ? instance.mcastGroup4 : packet;
      const dstOff = useGroup ? 0 : ip + 16;
      let sum = vrrpMessageSum(packet, hd, vrrpLen, ipv4PseudoHeaderSum(packet, ip + 12, dstBuf, dstOff, IPPROTO_VRRP, vrrpLen));
      if (sum !== 0) {
        if (instance.unicast && compat === 'none' && !bytesEqual(dstBuf, dstOff, instance.mcastGroup4, 0, 4)) {
          sum = vrrpMessageSum(packet, hd, vrrpLen, ipv4PseudoHeaderSum(packet, ip + 12, instance.mcastGroup4, 0, IPPROTO_VRRP, vrrpLen));
          oldChecksum = sum === 0;
        }
        if (sum !== 0) return refuse('checksum', logText.checksum(iname, VRRP_VERSION_3), ahSeq);
      }
    } else {
      if (instance.version === VRRP_VERSION_2) vrrpLen += VRRP_AUTH_DATA_LEN;
      if (vrrpMessageSum(packet, hd, vrrpLen, 0) !== 0) return refuse('checksum', logText.checksum(iname, instance.version), ahSeq);
    }
  }

  const multicast = family === 4 ? (packet[ip + 16]! & 0xf0) === 0xe0 : (rx.dst != null && rx.dst[0] === 0xff);
  if (multicast === instance.unicast) return refuse('cast_mismatch', logText.castMismatch(iname, instance.unicast), ahSeq);

  // From here on keepalived has counted the advert (advert_rcvd).
  if (checkVips) {
    if (naddr !== instance.vips.length) return refuse('vip_count', logText.vipCount(iname, instance.vips.length, naddr), ahSeq);
    const alen = family === 4 ? 4 : 16;
    const vipsAt = hd + VRRP_HEADER_LEN;
    for (let v = 0; v < instance.vips.length; v++) {
      const vip = instance.vips[v]!;
      let found = false;
      for (let i = 0; i < naddr && !found; i++) found = bytesEqual(packet, vipsAt + i * alen, vip, 0, alen);
      if (!found) return refuse('vip_missing', logText.vipMissing(iname, instance.vrid, formatAddress(vip, 0, family)), ahSeq);
    }

    if (instance.unicast && instance.checkUnicastSrc) {
      let peer: UnicastPeerCheck | null = null;
      for (let p = 0; p < instance.unicastPeers.length; p++) {
        const cand = instance.unicastPeers[p]!;
        if (cand.address.length === alen && bytesEqual(rx.src, 0, cand.address, 0, alen)) { peer = cand; break; }
      }
      if (!peer) {
        const srcText = rx.src.length >= alen ? formatAddress(rx.src, 0, family) : '?';
        return refuse('unicast_src_not_peer', logText.unicastSrcNotPeer(iname, srcText), ahSeq);
      }
      if (rx.ttl !== -1 && (rx.ttl < peer.minTtl || rx.ttl > peer.maxTtl)) {
        return refuse('unicast_ttl_range', logText.unicastTtlRange(iname, rx.ttl, peer.minTtl, peer.maxTtl), ahSeq);
      }
    }
  }

  const priority = packet[hd + 2]!;
  return {
    ok: true,
    vrrpOffset: hd - offset,
    priority,
    advertInterval: pktVersion === VRRP_VERSION_3 ? ((packet[hd + 4]! & 0x0f) << 8) | packet[hd + 5]! : packet[hd + 5]!,
    priorityZero: priority === 0,
    oldUnicastChecksumDetected: oldChecksum,
    ahSeqNumber: ahSeq,
    logText: oldChecksum ? logText.oldUnicastChecksum(iname) : null,
  };
}
