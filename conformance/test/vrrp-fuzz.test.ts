/**
 * Bad input at a running node: one of our nodes runs as MASTER (v2, PASS,
 * VRID 51) in a lab; from a peer namespace a raw IP socket (IP_HDRINCL, native
 * shim) sends VRRP_FUZZ_COUNT (default 10^5 here; 10^6 with
 * VRRP_FUZZ_COUNT=1000000) random and mutated packets to 224.0.0.18:
 * mutations of a valid advert in every field (version, type, VRID, priority
 * with a broken checksum, address count, auth type, password, interval,
 * checksum, VIP), lengths (truncated/extended), TTL, and random bytes and
 * byte flips. Then:
 * - the process is alive and no state transition was logged;
 * - every packet is accounted for: the USR2 stats file's counters equal what
 *   keepalived's rules give for the packets sent (validateAdvert is the
 *   oracle; the targeted mutations are first checked against the reason they
 *   were built for), and every refusal's log line (incl. those keepalived
 *   counts only in SNMP, and unknown VRIDs with log_unknown_vrids) appears
 *   exactly as often as packets of that kind were sent;
 * - the kernel dropped none of them on the way (/proc/net/raw drops = 0).
 *
 * Run as `node vrrp-fuzz.test.js --send FILE` it is the sender (inside the
 * peer namespace).
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SEND_FLAG = '--send';

async function sender(file: string): Promise<void> {
  const { loadNative, AF_INET, SOCK_RAW, encodeSockaddrIn } = await import('@keepalived-ts/native');
  const native = loadNative();
  const IPPROTO_RAW = 255;
  const fd = native.socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  const dst = encodeSockaddrIn('224.0.0.18');
  const data = readFileSync(file);
  let off = 0;
  let sent = 0;
  while (off < data.length) {
    const len = data.readUInt16BE(off);
    native.sendto(fd, data.subarray(off + 2, off + 2 + len), dst);
    off += 2 + len;
    // pace: the receiver must keep up, or the kernel drops from its socket buffer
    if (++sent % 200 === 0) await new Promise((r) => setTimeout(r, 8));
  }
  native.close(fd);
  process.stdout.write(`sent ${sent}\n`);
}

if (process.argv[2] === SEND_FLAG) {
  await sender(process.argv[3]!);
} else {
  await runTests();
}

async function runTests(): Promise<void> {
  const t = (await import('tap')).default;
  const { isRoot } = await import('../lib/netns.js');
  const { sleep, VrrpLab } = await import('../lib/vrrp-lab.js');
  const vrrp = await import('@keepalived-ts/vrrp');
  const { buildIPv4Advert, encodeAuthPass, validateAdvert, internetChecksum, logText, DROP_REASONS } = vrrp;

  if (!isRoot()) {
    t.fail('the fuzz test needs root (network namespaces, raw sockets)');
    return;
  }
  const COUNT = Number(process.env.VRRP_FUZZ_COUNT ?? 100_000);
  t.setTimeout(Math.max(180_000, COUNT * 2));

  // ---------------------------------------------------------- packets
  let seed = 0x2545f491;
  const rnd = (n: number): number => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed % n;
  };
  const ip = (s: string): Uint8Array => Uint8Array.from(s.split('.').map(Number));
  const SRC = ip('192.0.2.2');
  const VIP = ip('192.0.2.200');
  const check = {
    iname: 'VI_1', vrid: 51, version: 2 as const, family: 4 as const, authType: 1, authData: encodeAuthPass('s3cret'),
    advertIntervalUs: 1_000_000, vips: [VIP], unicast: false, unicastPeers: [], checkUnicastSrc: false,
    unicastChecksumCompat: 'none' as const, mcastGroup4: ip('224.0.0.18'), ahSeqNumber: 0, ifname: 'eth0',
  };
  const valid = (): Buffer => {
    const b = Buffer.alloc(60);
    const n = buildIPv4Advert({
      version: 2, vrid: 51, priority: 100, advertInterval: 1, vips: [VIP], src: SRC, dst: ip('224.0.0.18'), ipId: 0,
      ttl: 255, authType: 1, authData: encodeAuthPass('s3cret'), ipChecksum: 'compute',
    }, b, 0);
    return b.subarray(0, n);
  };
  /** What the kernel does on send with IP_HDRINCL: total length and header checksum filled in. */
  const finishIp = (b: Buffer): Buffer => {
    b.writeUInt16BE(b.length, 2);
    b.writeUInt16BE(0, 10);
    b.writeUInt16BE(internetChecksum(b, 0, 20), 10);
    return b;
  };
  const fixVrrpChecksum = (b: Buffer): Buffer => {
    b.writeUInt16BE(0, 26);
    b.writeUInt16BE(internetChecksum(b, 20, b.length - 20), 26);
    return b;
  };
  type Kind = { name: string; make: () => Buffer; expect?: string };
  const kinds: Kind[] = [
    { name: 'ttl', expect: 'ttl', make: () => { const b = valid(); b[8] = rnd(255); return b; } },
    // the length check (by our version) comes first, so the reason depends on the version sent
    { name: 'version', make: () => { const b = valid(); b[20] = ((3 + rnd(13)) << 4) | 1; if (b[20]! >> 4 === 2) b[20] = 0x31; return fixVrrpChecksum(b); } },
    { name: 'type', expect: 'invalid_type', make: () => { const b = valid(); b[20] = 0x20 | (2 + rnd(14)); return fixVrrpChecksum(b); } },
    { name: 'vrid', make: () => { const b = valid(); b[21] = 52 + rnd(200); return fixVrrpChecksum(b); } },
    { name: 'priority+bad checksum', expect: 'checksum', make: () => { const b = valid(); b[22] = rnd(256); b[26]! ^= 0x5a; return b; } },
    { name: 'checksum', expect: 'checksum', make: () => { const b = valid(); b.writeUInt16BE((b.readUInt16BE(26) + 1 + rnd(65534)) & 0xffff, 26); return b; } },
    { name: 'address count', make: () => { const b = valid(); b[23] = 2 + rnd(254); return fixVrrpChecksum(b); } },
    { name: 'auth type', make: () => { const b = valid(); b[24] = 2 + rnd(254); return fixVrrpChecksum(b); } },
    { name: 'password', expect: 'auth_pass_failure', make: () => { const b = valid(); b[32 + rnd(8)]! ^= 1 + rnd(255); return fixVrrpChecksum(b); } },
    { name: 'interval', expect: 'advert_interval', make: () => { const b = valid(); b[25] = 2 + rnd(254); return fixVrrpChecksum(b); } },
    { name: 'vip', expect: 'vip_missing', make: () => { const b = valid(); b[28 + rnd(4)]! ^= 1 + rnd(255); return fixVrrpChecksum(b); } },
    { name: 'truncated', make: () => valid().subarray(0, 22 + rnd(18)) },
    { name: 'extended', make: () => { const b = valid(); return Buffer.concat([b, Buffer.from(Array.from({ length: 1 + rnd(60) }, () => rnd(256)))]); } },
    { name: 'flips', make: () => { const b = valid(); for (let i = 1 + rnd(3); i > 0; i--) b[20 + rnd(b.length - 20)]! ^= 1 << rnd(8); return b; } },
    { name: 'random', make: () => { const b = Buffer.concat([valid().subarray(0, 20), Buffer.from(Array.from({ length: 2 + rnd(80) }, () => rnd(256)))]); b[21] = 51; return b; } },
  ];

  const expectedStats = new Map<string, number>();
  const expectedLogs = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1); };
  const mismatched: string[] = [];
  const chunks: Buffer[] = [];
  let generated = 0;
  while (generated < COUNT) {
    const k = kinds[rnd(kinds.length)]!;
    const b = finishIp(Buffer.from(k.make()));
    if (b.length < 22) continue; // no VRID byte: nothing to account for
    const vrid = b[21]!;
    if (vrid !== 51) {
      bump(expectedLogs, logText.unknownVrid(vrid, 'eth0'));
    } else {
      const r = validateAdvert(b, { ttl: b[8]!, src: SRC, dst: null, checkVips: true }, check, 0, b.length);
      if (r.ok) continue; // a mutation that happens to be valid is not bad input
      if (k.expect !== undefined && r.reason !== k.expect && mismatched.length < 5) mismatched.push(`${k.name}: ${r.reason}`);
      if (r.counter) bump(expectedStats, r.counter);
      if (r.advertCounted) bump(expectedStats, 'advert_rcvd');
      if (r.logText) bump(expectedLogs, r.logText);
      void DROP_REASONS;
    }
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    chunks.push(len, b);
    generated++;
  }

  t.test(`${COUNT} bad packets at a running MASTER`, async (t) => {
    t.same(mismatched, [], 'targeted mutations are refused for the reason they were built for');
    const lab = new VrrpLab('kfz', ['r1', 'r2', 'r3']);
    t.teardown(() => lab.destroy());
    const file = join(lab.dir, 'packets.bin');
    writeFileSync(file, Buffer.concat(chunks));
    const conf = join(lab.dir, 'r1.conf');
    writeFileSync(conf, [
      'global_defs {', '    router_id r1', '    log_unknown_vrids', '}',
      'vrrp_instance VI_1 {', '    state MASTER', '    interface eth0', '    virtual_router_id 51', '    priority 150',
      '    advert_int 1', '    version 2', '    kernel_rx_buf_size 8388608',
      '    authentication {', '        auth_type PASS', '        auth_pass s3cret', '    }',
      '    virtual_ipaddress {', '        192.0.2.200/24', '    }', '}', '',
    ].join('\n'));
    execFileSync('ip', ['-n', lab.ns('r2'), 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
    const tmp = join(lab.dir, 'tmp');
    execFileSync('mkdir', [tmp]);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    const r1 = lab.start('r1', 'ours', conf);
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    t.ok(await lab.waitFor(() => lab.holds('r1', '192.0.2.200'), 10_000, 20) >= 0, 'r1 is master');
    // A BACKUP peer on the same segment sees the flood too: neither its own
    // checks nor a silenced master may make it take over. (Not in the sender's
    // namespace: a local member of the group changes which of the sender's TTL-0
    // packets the kernel puts on the wire.)
    const r3conf = join(lab.dir, 'r3.conf');
    writeFileSync(r3conf, readFileSync(conf, 'utf8').replace('router_id r1', 'router_id r3').replace('state MASTER', 'state BACKUP').replace('priority 150', 'priority 100'));
    const r3 = lab.start('r3', 'ours', r3conf);
    await lab.waitFor(() => /Entering BACKUP STATE/.test(r3.output()), 10_000, 20);
    let backupTookOver = false;
    const watch = setInterval(() => { if (lab.holds('r3', '192.0.2.200')) backupTookOver = true; }, 20);
    t.teardown(() => clearInterval(watch));
    await sleep(500);
    const transitionsBefore = (r1.output().match(/Entering \w+ STATE/g) ?? []).length;
    const logOffset = r1.output().length;

    const started = Date.now();
    const self = fileURLToPath(import.meta.url);
    const send = spawn('ip', ['netns', 'exec', lab.ns('r2'), process.execPath, self, SEND_FLAG, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let sendOut = '';
    send.stdout.on('data', (d: Buffer) => (sendOut += d.toString()));
    send.stderr.on('data', (d: Buffer) => (sendOut += d.toString()));
    const code = await new Promise<number | null>((r) => send.on('exit', r));
    t.equal(code, 0, `sender finished (${sendOut.trim()})`);
    t.comment(`${COUNT} packets sent in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // wait until the receiver has logged everything we expect
    const expectedLines = [...expectedLogs.values()].reduce((a, b) => a + b, 0);
    // every line logged from the first packet on; anything else would show up as a difference
    const dropLines = (): string[] => r1.output().slice(logOffset).split('\n')
      .map((l) => /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: (.*)$/.exec(l)?.[1])
      // (the delayed GARP burst of garp_master_delay may fall in the run)
      .filter((l): l is string => l !== undefined && !l.startsWith('Printing VRRP stats') && !/gratuitous ARP/.test(l));
    await lab.waitFor(() => dropLines().length >= expectedLines, 60_000, 200);
    await sleep(500);

    clearInterval(watch);
    t.notOk(backupTookOver, 'the backup never took the VIP during the flood');
    t.notMatch(r3.output(), /Entering MASTER STATE/, 'the backup stayed BACKUP');
    t.equal(r1.proc.exitCode, null, 'the daemon is alive');
    t.ok(lab.holds('r1', '192.0.2.200'), 'still holds the VIP');
    t.equal((r1.output().match(/Entering \w+ STATE/g) ?? []).length, transitionsBefore, 'no state transition');

    const rawDrops = execFileSync('ip', ['netns', 'exec', lab.ns('r1'), 'cat', '/proc/net/raw'], { encoding: 'utf8' })
      .split('\n').slice(1).filter(Boolean).map((l) => Number(l.trim().split(/\s+/).pop()));
    t.same(rawDrops.filter((d) => d > 0), [], 'the kernel dropped nothing on the raw sockets');

    const stats = join(tmp, 'keepalived.stats');
    process.kill(r1.proc.pid!, 'SIGUSR2');
    await lab.waitFor(() => existsSync(stats), 5000, 20);
    await sleep(200);
    const text = readFileSync(stats, 'utf8');
    const field = (re: RegExp): number => Number(re.exec(text)?.[1] ?? -1);
    const got = {
      advert_rcvd: field(/Advertisements:\n\s+Received: (\d+)/),
      packet_len_err: field(/Length: (\d+)/),
      ip_ttl_err: field(/TTL: (\d+)/),
      invalid_type_rcvd: field(/Packet Errors:[\s\S]*?Invalid Type: (\d+)/),
      advert_interval_err: field(/Advertisement Interval: (\d+)/),
      addr_list_err: field(/Address List: (\d+)/),
      invalid_authtype: field(/Authentication Errors:\n\s+Invalid Type: (\d+)/),
      authtype_mismatch: field(/Type Mismatch: (\d+)/),
      auth_failure: field(/Failure: (\d+)/),
      pri_zero_rcvd: field(/Priority Zero:\n\s+Received: (\d+)/),
    };
    const want = Object.fromEntries(Object.keys(got).map((k) => [k, expectedStats.get(k) ?? 0]));
    t.same(got, want, 'stats file counters match the packets sent, by reason');
    t.comment(`counters: ${JSON.stringify(got)}; SNMP-only: chk_err ${expectedStats.get('chk_err') ?? 0}, vers_err ${expectedStats.get('vers_err') ?? 0}`);

    const actual = new Map<string, number>();
    for (const l of dropLines()) bump(actual, l);
    const diffs: string[] = [];
    for (const k of new Set([...expectedLogs.keys(), ...actual.keys()])) {
      if ((expectedLogs.get(k) ?? 0) !== (actual.get(k) ?? 0)) diffs.push(`${k}: expected ${expectedLogs.get(k) ?? 0}, got ${actual.get(k) ?? 0}`);
    }
    t.same(diffs.slice(0, 10), [], `every refusal logged as often as sent (${expectedLines} lines)`);
    const accounted = [...actual.values()].reduce((a, b) => a + b, 0);
    t.equal(accounted, COUNT, 'every bad packet is accounted for');
    await lab.stop(r1);
  });
}
