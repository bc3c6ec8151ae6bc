// Socket layer, monitor and live table against a fake binding that plays the kernel.
import t from 'tap';
import {
  AF_INET, AF_NETLINK, NETLINK_EXT_ACK, SOCK_RAW, SOL_NETLINK, SOL_SOCKET, SO_RCVBUFFORCE, createFakeNative,
  AttrWriter, decodeSockaddrNl, encodeNlmsg, syscallError, type NativeBinding, type SyscallError,
} from '@keepalived-ts/native';
import {
  InterfaceTable, NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_DUMP, NLM_F_MULTI,
  NLM_F_REQUEST, NLMSGERR_ATTR_MSG, NetlinkError, RTM_DELADDR, RTM_DELLINK, RTM_GETADDR, RTM_GETLINK, RTM_NEWADDR,
  RTM_NEWLINK, RTM_NEWROUTE, RtnlMonitor, RtnlRequester, decodeRtnl, encodeRtnl, groupMask,
  type AddrMessage, type LinkMessage, type RtnlMessage, type RtnlRequest,
} from '../src/rtnetlink/index.js';

const AF_BRIDGE = 7;

function ack(seq: number, errno = 0, ext?: string): Buffer {
  const body = Buffer.alloc(4 + 16);
  body.writeInt32LE(-errno, 0);
  body.writeUInt32LE(16, 4);
  body.writeUInt32LE(seq, 12);
  const tlv = ext ? new AttrWriter().str(NLMSGERR_ATTR_MSG, ext).toBuffer() : Buffer.alloc(0);
  return encodeNlmsg({ type: NLMSG_ERROR, flags: ext ? NLM_F_ACK_TLVS | 0x100 : 0x100, seq, pid: 1 }, Buffer.concat([body, tlv]));
}
function done(seq: number): Buffer {
  return encodeNlmsg({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq, pid: 1 }, Buffer.alloc(4));
}
function linkMsg(index: number, name: string, extra: Partial<LinkMessage> = {}): LinkMessage {
  return { family: 0, deviceType: 1, index, flags: 0x1003, change: 0, ifname: name, mtu: 1500,
    address: `02:00:00:00:00:0${index}`, operState: 'UP', ...extra };
}
function addrMsg(index: number, ip: string, extra: Partial<AddrMessage> = {}): AddrMessage {
  return { family: AF_INET, prefixLen: 24, flags: 0x80, scope: 0, index, local: ip, address: ip, ...extra };
}
function notify(m: RtnlMessage): Buffer {
  return encodeRtnl(m);
}

/** A fake kernel: answers dumps from `links`/`addrs`, and lets tests inject failures. */
function fakeKernel() {
  const links: LinkMessage[] = [linkMsg(1, 'lo', { deviceType: 772 }), linkMsg(2, 'eth0', { kind: 'veth' })];
  const addrs: AddrMessage[] = [addrMsg(2, '192.0.2.1')];
  const requests: RtnlMessage[] = [];
  let monitorFd = -1;
  let pendingMonitorError: SyscallError | undefined;
  const watchers = new Map<number, (err?: SyscallError) => void>();
  /** Called before answering each request; may return replies itself. */
  let hook: ((req: RtnlMessage) => Buffer[] | undefined) | undefined;
  const fake = createFakeNative({
    bind(fd: number, sa: Buffer) {
      if (decodeSockaddrNl(sa).groups !== 0) monitorFd = fd;
    },
  });
  const native = fake.native as NativeBinding & Record<string, unknown>;
  const baseSendto = native.sendto.bind(native);
  native.sendto = (fd, data, sa, flags) => {
    const n = baseSendto(fd, data, sa, flags);
    for (const req of decodeRtnl(data)) {
      requests.push(req);
      const custom = hook?.(req);
      const replies = custom ?? answer(req);
      for (const r of replies) fake.deliver(fd, { data: r });
    }
    return n;
  };
  const answer = (req: RtnlMessage): Buffer[] => {
    if (req.type === RTM_GETLINK && req.flags & NLM_F_DUMP) {
      return [Buffer.concat(links.map((l) => notify({ kind: 'link', type: RTM_NEWLINK, flags: NLM_F_MULTI,
        seq: req.seq, pid: 1, link: l }))), done(req.seq)];
    }
    if (req.type === RTM_GETADDR && req.flags & NLM_F_DUMP) {
      return [Buffer.concat(addrs.map((a) => notify({ kind: 'addr', type: RTM_NEWADDR, flags: NLM_F_MULTI,
        seq: req.seq, pid: 1, addr: a }))), done(req.seq)];
    }
    return [ack(req.seq)];
  };
  const basePoll = native.poll.bind(native);
  native.poll = (fd, cb) => {
    watchers.set(fd, cb);
    return basePoll(fd, cb);
  };
  const baseRecv = native.recvmsg.bind(native);
  native.recvmsg = (fd, max, ctl, flags) => {
    if (fd === monitorFd && pendingMonitorError) {
      const e = pendingMonitorError;
      pendingMonitorError = undefined;
      throw e;
    }
    return baseRecv(fd, max, ctl, flags);
  };
  return {
    fake, native: native as NativeBinding, links, addrs, requests,
    get monitorFd() { return monitorFd; },
    setHook(h: typeof hook) { hook = h; },
    notify(m: RtnlRequest) { fake.deliver(monitorFd, { data: notify({ ...m, seq: 0, pid: 0 } as RtnlMessage) }); },
    /** What the kernel does on overflow: POLLERR (libuv: EBADF), then recvmsg fails with ENOBUFS. */
    overflow() {
      pendingMonitorError = syscallError('recvmsg', 105, 'ENOBUFS');
      const cb = watchers.get(monitorFd);
      setImmediate(() => cb?.(syscallError('poll', 9, 'EBADF')));
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
async function settle(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

t.test('groupMask builds the bind() bitmask and rejects groups above 32', async (t) => {
  t.equal(groupMask([1, 5, 9]), 0x111);
  t.equal(groupMask([32]), 0x80000000);
  t.throws(() => groupMask([33]), RangeError);
});

t.test('requester: socket setup, seq numbers, flags, acks', async (t) => {
  const k = fakeKernel();
  const rq = new RtnlRequester(k.native);
  t.same(k.fake.callsOf('socket')[0], [AF_NETLINK, SOCK_RAW, 0]);
  t.ok(k.fake.callsOf('setsockopt').some((a) => a[1] === SOL_NETLINK && a[2] === NETLINK_EXT_ACK && a[3] === 1));
  const first = await rq.request({ kind: 'link', type: RTM_NEWLINK, flags: 0, link: linkMsg(2, 'eth0') }, 'x');
  t.same(first, [], 'an ack resolves with no parts');
  await rq.request({ kind: 'link', type: RTM_NEWLINK, flags: 0, link: linkMsg(2, 'eth0') }, 'x');
  const [a, b] = k.requests;
  t.equal(a!.flags, NLM_F_REQUEST | NLM_F_ACK);
  t.equal(b!.seq, (a!.seq + 1) >>> 0, 'seq increments');
  rq.close();
  t.same(k.fake.openFds(), [], 'closed its socket');
});

t.test('requester: NLMSG_ERROR becomes a SyscallError-shaped NetlinkError with the extended ack', async (t) => {
  const k = fakeKernel();
  const rq = new RtnlRequester(k.native);
  k.setHook((req) => [ack(req.seq, 17, 'Address already assigned')]);
  const err = await rq.request({ kind: 'addr', type: RTM_NEWADDR, flags: 0, addr: addrMsg(2, '192.0.2.9') },
    'add address 192.0.2.9/24 dev eth0').catch((e: unknown) => e);
  t.type(err, NetlinkError);
  t.match(err, { errno: 17, code: 'EEXIST', syscall: 'RTM_NEWADDR', extMessage: 'Address already assigned' });
  t.match((err as Error).message, /^add address 192\.0\.2\.9\/24 dev eth0: .*\(EEXIST\) - Address already assigned$/);
  k.setHook((req) => [ack(req.seq, 99)]);
  const e2 = await rq.request({ kind: 'addr', type: RTM_DELADDR, flags: 0, addr: addrMsg(2, '192.0.2.9') }, 'del')
    .catch((e: unknown) => e);
  t.equal((e2 as NetlinkError).code, 'EADDRNOTAVAIL');
  rq.close();
});

t.test('requester: a dump spread over datagrams completes on NLMSG_DONE, foreign seqs are ignored', async (t) => {
  const k = fakeKernel();
  const rq = new RtnlRequester(k.native);
  let later: (() => void) | undefined;
  k.setHook((req) => {
    const part = (l: LinkMessage): Buffer =>
      notify({ kind: 'link', type: RTM_NEWLINK, flags: NLM_F_MULTI, seq: req.seq, pid: 1, link: l });
    later = () => {
      k.fake.deliver(rq.fd, { data: ack(req.seq + 1000) });
      k.fake.deliver(rq.fd, { data: Buffer.concat([part(linkMsg(3, 'eth1')), done(req.seq)]) });
    };
    return [part(linkMsg(1, 'lo'))];
  });
  const p = rq.dump({ kind: 'link', type: RTM_GETLINK, flags: 0, link: linkMsg(0, '') }, 'dump links');
  t.equal(k.requests[0]!.flags & NLM_F_DUMP, NLM_F_DUMP);
  t.equal(k.requests[0]!.flags & NLM_F_ACK, 0, 'no ack requested for dumps');
  later!();
  const parts = await p;
  t.same(parts.map((m) => (m.kind === 'link' ? m.link.ifname : m.kind)), ['lo', 'eth1']);
  rq.close();
});

t.test('requester: close rejects what is still pending', async (t) => {
  const k = fakeKernel();
  const rq = new RtnlRequester(k.native);
  k.setHook(() => []);
  const p = rq.request({ kind: 'link', type: RTM_NEWLINK, flags: 0, link: linkMsg(2, 'eth0') }, 'set eth0 up');
  rq.close();
  await t.rejects(p, /netlink socket closed: set eth0 up/);
});

t.test('monitor: POLLERR + ENOBUFS reports an overflow and keeps watching', async (t) => {
  const k = fakeKernel();
  const got: RtnlMessage[] = [];
  let overflows = 0;
  const mon = new RtnlMonitor(k.native, { onMessage: (m) => got.push(m), onOverflow: () => overflows++ });
  t.ok(k.fake.callsOf('setsockopt').some((a) => a[1] === SOL_SOCKET && a[2] === SO_RCVBUFFORCE));
  k.overflow();
  await settle();
  t.equal(overflows, 1);
  t.equal(k.fake.callsOf('poll').length, 2, 'watch re-armed');
  k.notify({ kind: 'route', type: RTM_NEWROUTE, flags: 0, route: { family: AF_INET, dstLen: 24, srcLen: 0, tos: 0,
    table: 254, protocol: 4, scope: 0, type: 1, flags: 0, dst: '198.51.100.0' } });
  await settle();
  t.equal(got.length, 1, 'notifications flow after the overflow');
  mon.close();
});

t.test('table: dump, notifications, AF_BRIDGE ignored, link removal drops its addresses', async (t) => {
  const k = fakeKernel();
  const table = await InterfaceTable.open({ native: k.native });
  t.same(table.links().map((l) => l.name), ['lo', 'eth0']);
  t.ok(table.hasAddress(2, '192.0.2.1'));
  const events: string[] = [];
  table.on('linkAdded', (l) => events.push(`+link ${l.name}`));
  table.on('linkChanged', (l, p) => events.push(`~link ${p.name}->${l.name} mtu ${l.mtu}`));
  table.on('linkRemoved', (l) => events.push(`-link ${l.name}`));
  table.on('addressAdded', (a) => events.push(`+addr ${a.address} ${a.label ?? ''}`));
  table.on('addressRemoved', (a) => events.push(`-addr ${a.address}`));
  table.on('addressChanged', (a) => events.push(`~addr ${a.address} flags ${a.flags}`));
  k.notify({ kind: 'link', type: RTM_NEWLINK, flags: 0, link: linkMsg(3, 'vrrp.1', { kind: 'macvlan', link: 2 }) });
  k.notify({ kind: 'addr', type: RTM_NEWADDR, flags: 0, addr: addrMsg(3, '192.0.2.50', { label: 'vrrp.1' }) });
  k.notify({ kind: 'addr', type: RTM_NEWADDR, flags: 0, addr: addrMsg(3, '192.0.2.50', { label: 'vrrp.1',
    cacheInfo: { preferred: 1, valid: 2, created: 3, updated: 4 } }) });
  k.notify({ kind: 'addr', type: RTM_NEWADDR, flags: 0, addr: addrMsg(2, '192.0.2.1', { flags: 0x81 }) });
  k.notify({ kind: 'link', type: RTM_NEWLINK, flags: 0, link: linkMsg(3, 'vrrp.1', { kind: 'macvlan', link: 2, mtu: 1400 }) });
  k.notify({ kind: 'link', type: RTM_DELLINK, flags: 0, link: { ...linkMsg(2, 'eth0'), family: AF_BRIDGE } });
  k.notify({ kind: 'link', type: RTM_DELLINK, flags: 0, link: linkMsg(3, 'vrrp.1') });
  await settle();
  t.same(events, [
    '+link vrrp.1', '+addr 192.0.2.50 vrrp.1', '~addr 192.0.2.1 flags 129', '~link vrrp.1->vrrp.1 mtu 1400',
    '-addr 192.0.2.50', '-link vrrp.1',
  ], 'lifetime-only updates are not changes; bridge-port notifications are ignored');
  t.ok(table.link(2), 'eth0 kept despite the AF_BRIDGE RTM_DELLINK');
  t.equal(table.linkByName('vrrp.1'), undefined);
  table.close();
  t.same(k.fake.openFds(), []);
});

t.test('table: overflow triggers a re-dump whose differences are emitted once each', async (t) => {
  const k = fakeKernel();
  const table = await InterfaceTable.open({ native: k.native });
  const events: string[] = [];
  table.on('linkAdded', (l) => events.push(`+link ${l.name}`));
  table.on('linkChanged', (l) => events.push(`~link ${l.name}`));
  table.on('linkRemoved', (l) => events.push(`-link ${l.name}`));
  table.on('addressAdded', (a) => events.push(`+addr ${a.address}`));
  table.on('addressRemoved', (a) => events.push(`-addr ${a.address}`));
  let resynced: { reason: string; changes: number } | undefined;
  table.on('resynced', (s) => { resynced = s; });
  // What the kernel now holds, none of it notified.
  k.links.push(linkMsg(4, 'vrrp.2'));
  k.links[1] = linkMsg(2, 'eth0', { kind: 'veth', mtu: 9000 });
  k.addrs.splice(0, 1, addrMsg(4, '198.51.100.1'), addrMsg(2, '192.0.2.7'));
  // A notification racing with the dump is replayed after it, without a duplicate event.
  k.setHook((req) => {
    if (req.type === RTM_GETADDR) k.notify({ kind: 'addr', type: RTM_NEWADDR, flags: 0, addr: addrMsg(2, '192.0.2.7') });
    return undefined;
  });
  k.overflow();
  await settle(10);
  t.same(events.sort(), ['+addr 192.0.2.7', '+addr 198.51.100.1', '+link vrrp.2', '-addr 192.0.2.1', '~link eth0'].sort());
  t.match(resynced, { reason: 'monitor overflow (ENOBUFS)', changes: 5 });
  t.equal(table.link(2)?.mtu, 9000);
  t.same(table.addresses().map((a) => a.address).sort(), ['192.0.2.7', '198.51.100.1']);
  table.close();
});

t.test('table: open fails cleanly (sockets closed) when the dump is refused', async (t) => {
  const k = fakeKernel();
  k.setHook((req) => [ack(req.seq, 1)]);
  await t.rejects(InterfaceTable.open({ native: k.native }), { code: 'EPERM' });
  t.same(k.fake.openFds(), []);
});
