import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import {
  IPVS_CMD_DEL_DAEMON, IPVS_CMD_GET_DEST, IPVS_CMD_GET_SERVICE, IPVS_CMD_NEW_DAEMON, IPVS_CMD_NEW_DEST,
  IPVS_CMD_NEW_SERVICE, IPVS_CMD_SET_CONFIG, IPVS_CMD_SET_INFO, IP_VS_STATE_BACKUP, NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI,
  NLM_F_REQUEST, decodeFamilyReply, decodeGenl, decodeNlError, emptyStats, encodeGenl, familyReply,
  familyRequest, fromGenlMessage, readService, serviceIdentity, splitNlmsgs, toGenlMessage, validateServiceAttrs,
  type IpvsMessage,
} from '../src/index.js';
import { AttrWriter, StrictAttrSet, encodeAck, validateAttrs, validateNlmsgs } from '@keepalived-ts/native';

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../test/fixtures/keepalived-2.2.7-ipvs-sendmsg.json', import.meta.url)), 'utf8')) as {
  ipvsFamilyId: number;
  getFamily: { hex: string };
  messages: { process: string; cmd: string; hex: string }[];
};
const captured = fixture.messages.map((m) => ({ ...m, bytes: Buffer.from(m.hex, 'hex') }));

t.test('every captured keepalived message decodes and re-encodes to the same bytes, also at an offset', async (t) => {
  t.equal(captured.length, 38);
  for (const [i, m] of captured.entries()) {
    const msg = fromGenlMessage(decodeGenl(m.bytes));
    t.equal(`IPVS_CMD_${m.cmd}`, ['', 'IPVS_CMD_NEW_SERVICE', 'IPVS_CMD_SET_SERVICE', 'IPVS_CMD_DEL_SERVICE', '', 'IPVS_CMD_NEW_DEST',
      'IPVS_CMD_SET_DEST', 'IPVS_CMD_DEL_DEST', '', 'IPVS_CMD_NEW_DAEMON', 'IPVS_CMD_DEL_DAEMON', '', 'IPVS_CMD_SET_CONFIG',
      'IPVS_CMD_GET_CONFIG', '', 'IPVS_CMD_GET_INFO', '', 'IPVS_CMD_FLUSH'][msg.cmd], `message ${i} command`);
    t.equal(msg.type, fixture.ipvsFamilyId);
    t.equal(msg.flags, NLM_F_REQUEST | NLM_F_ACK);
    t.same(encodeGenl(toGenlMessage(msg)), m.bytes, `message ${i} (${m.cmd}) re-encodes`);
    const target = Buffer.alloc(m.bytes.length + 37, 0xee);
    const view = encodeGenl(toGenlMessage(msg), target, 37);
    t.same(view, m.bytes);
    t.same(target.subarray(0, 37), Buffer.alloc(37, 0xee), 'bytes before the offset untouched');
    const again = fromGenlMessage(decodeGenl(target, 37));
    t.same(again, msg, `message ${i} decodes the same at offset 37`);
  }
});

t.test('decoded capture fields match the keepalived configuration that produced them', async (t) => {
  const byCmd = (cmd: string) => captured.filter((m) => m.cmd === cmd).map((m) => fromGenlMessage(decodeGenl(m.bytes)));
  const [vs1, fwm, v6, sip] = byCmd('NEW_SERVICE');
  t.match(vs1!.service, { af: 2, protocol: 6, address: '192.0.2.200', port: 80, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff });
  t.match(fwm!.service, { af: 2, fwmark: 1, scheduler: 'wlc', flags: 1, timeout: 30, netmask: 0xffffffff });
  t.match(v6!.service, { af: 10, address: '2001:db8::1', port: 443, scheduler: 'sh', flags: 0x19, timeout: 300, netmask: 64 });
  t.match(sip!.service, { af: 2, protocol: 17, port: 5060, scheduler: 'mh', peName: 'sip', flags: 0x15, timeout: 60, netmask: 0xffffff00 });
  const dests = byCmd('NEW_DEST');
  t.match(dests[0]!.dest, { af: 2, address: '192.0.2.11', port: 8080, fwdMethod: 0, weight: 1 });
  t.match(dests[1]!.dest, { address: '192.0.2.12', port: 0, fwdMethod: 3, weight: 2 }, 'DR dest of a fwmark service: port 0');
  t.match(dests[2]!.dest, { af: 10, port: 443, fwdMethod: 2, tunType: 1, tunPort: 6080, tunFlags: 1, upperThreshold: 100, lowerThreshold: 10 });
  t.match(dests[3]!.dest, { address: '192.0.2.13', tunType: 2, tunFlags: 1 });
  t.equal(dests[3]!.dest!.tunPort, undefined, 'no TUN_PORT for gre');
  t.match(dests[2]!.service, { flags: 0x18, timeout: 0, netmask: 128 }, 'dest commands carry the service without persistence');
  const [daemon] = byCmd('NEW_DAEMON');
  t.same(daemon!.daemon, { state: IP_VS_STATE_BACKUP, mcastIfn: 'd0', syncId: 5, syncMaxLen: 1400, mcastPort: 8848, mcastTtl: 2, mcastGroup: '224.0.0.81' });
  t.same(byCmd('DEL_DAEMON')[0]!.daemon, { state: IP_VS_STATE_BACKUP, syncId: 5 });
  t.same(byCmd('SET_CONFIG')[0]!.timeouts, { tcp: 900, tcpFin: 120, udp: 300 });
  const setDest = byCmd('SET_DEST');
  t.equal(setDest.length, 1);
  t.match(setDest[0]!.dest, { address: '192.0.2.12', weight: 0 }, 'inhibit_on_failure: SET_DEST with weight 0');
});

t.test('building messages from values gives keepalived bytes', async (t) => {
  const at = (cmd: string, n = 0) => captured.filter((m) => m.cmd === cmd)[n]!.bytes;
  const hdr = (b: Buffer) => ({ type: b.readUInt16LE(4), flags: b.readUInt16LE(6), seq: b.readUInt32LE(8), pid: b.readUInt32LE(12), version: 1 });
  const daemonBytes = at('NEW_DAEMON');
  const built: IpvsMessage = {
    ...hdr(daemonBytes), cmd: IPVS_CMD_NEW_DAEMON,
    daemon: { state: 2, mcastIfn: 'd0', syncId: 5, syncMaxLen: 1400, mcastPort: 8848, mcastTtl: 2, mcastGroup: '224.0.0.81' },
  };
  t.same(encodeGenl(toGenlMessage(built)), daemonBytes);
  const stop = at('DEL_DAEMON');
  t.same(encodeGenl(toGenlMessage({ ...hdr(stop), cmd: IPVS_CMD_DEL_DAEMON, daemon: { state: 2, syncId: 5 } })), stop);
  const cfg = at('SET_CONFIG');
  t.same(encodeGenl(toGenlMessage({ ...hdr(cfg), cmd: IPVS_CMD_SET_CONFIG, timeouts: { tcp: 900, tcpFin: 120, udp: 300 } })), cfg);
  const svc = at('NEW_SERVICE');
  t.same(encodeGenl(toGenlMessage({
    ...hdr(svc), cmd: IPVS_CMD_NEW_SERVICE,
    service: { af: 2, fwmark: 0, protocol: 6, address: '192.0.2.200', port: 80, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff },
  })), svc);
});

t.test('CTRL_CMD_GETFAMILY request equals keepalived (libnl genl_ctrl_resolve) bytes', async (t) => {
  const golden = Buffer.from(fixture.getFamily.hex, 'hex');
  const req = familyRequest('IPVS', golden.readUInt32LE(8), golden.readUInt32LE(12));
  t.same(encodeGenl(req), golden);
  t.same(golden.subarray(0, 8), Buffer.from([0x20, 0, 0, 0, 0x10, 0, 0x05, 0]));
});

t.test('hand-written golden: GET_SERVICE and GET_DEST dump requests', async (t) => {
  // nlmsghdr(len 20, type 0x1c, REQUEST|ACK|DUMP, seq 7, pid 99) + genlmsghdr(cmd 4, version 1)
  const getServices = Buffer.from('14000000 1c00 0503 07000000 63000000 04010000'.replace(/ /g, ''), 'hex');
  t.same(encodeGenl(toGenlMessage({ type: 0x1c, flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, seq: 7, pid: 99, cmd: IPVS_CMD_GET_SERVICE, version: 1 })), getServices);
  // GET_DEST names the service by identity only: AF, PROTOCOL, ADDR (16 bytes), PORT (network order).
  const getDests = Buffer.from([
    0x44, 0, 0, 0, 0x1c, 0, 0x05, 0x03, 8, 0, 0, 0, 0x63, 0, 0, 0, // 68 bytes
    IPVS_CMD_GET_DEST, 1, 0, 0,
    0x30, 0, 0x01, 0x80, // CMD_ATTR_SERVICE | NLA_F_NESTED, 48 bytes
    6, 0, 1, 0, 2, 0, 0, 0, // AF_INET
    6, 0, 2, 0, 6, 0, 0, 0, // TCP
    20, 0, 3, 0, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    6, 0, 4, 0, 0x1f, 0x90, 0, 0, // port 8080
  ]);
  const svc = { af: 2, fwmark: 0, protocol: 6, address: '192.0.2.1', port: 8080, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff };
  t.same(encodeGenl(toGenlMessage({ type: 0x1c, flags: 0x305, seq: 8, pid: 99, cmd: IPVS_CMD_GET_DEST, version: 1, service: serviceIdentity(svc) })), getDests);
});

t.test('kernel-layout replies round-trip (stats, counters, dest family last, info)', async (t) => {
  const stats = { ...emptyStats(), conns: 5n, inbytes: 1n << 40n, outbps: 7n };
  const reply: IpvsMessage = {
    type: 0x1c, flags: NLM_F_MULTI, seq: 3, pid: 0, cmd: IPVS_CMD_NEW_DEST, version: 1,
    dest: { af: 10, address: '2001:db8::5', port: 80, fwdMethod: 2, weight: 3, upperThreshold: 0, lowerThreshold: 0, tunType: 0, tunPort: 0, tunFlags: 0, activeConns: 1, inactConns: 2, persistConns: 3, stats, stats64: stats },
  };
  const bytes = encodeGenl(toGenlMessage(reply, 'kernel'));
  const attrs = StrictAttrSet.decode(StrictAttrSet.decode(bytes, 20).get(2)!);
  t.equal(attrs.list[0]!.type, 1, 'kernel layout starts with ADDR');
  t.equal(attrs.list.findIndex((a) => a.type === 11), 12, 'ADDR_FAMILY after the connection counters');
  const decoded = fromGenlMessage(decodeGenl(bytes), 2);
  t.same(decoded, reply);
  const target = Buffer.alloc(bytes.length + 5);
  encodeGenl(toGenlMessage(decoded, 'kernel'), target, 5);
  t.same(target.subarray(5), bytes);

  const info: IpvsMessage = { type: 0x1c, flags: 0, seq: 1, pid: 0, cmd: IPVS_CMD_SET_INFO, version: 1, info: { version: 0x010201, connTabSize: 4096 } };
  const ib = encodeGenl(toGenlMessage(info, 'kernel'));
  t.same(ib.subarray(20), Buffer.from([8, 0, 1, 0, 0x01, 0x02, 0x01, 0, 8, 0, 2, 0, 0, 0x10, 0, 0]));
  t.same(fromGenlMessage(decodeGenl(ib)), info);
});

t.test('controller reply: family id, version, mcast groups', async (t) => {
  const fam = { id: 0x22, name: 'IPVS', version: 1, hdrsize: 0, maxattr: 6, opCount: 3, mcastGroups: [{ name: 'events', id: 7 }] };
  const bytes = encodeGenl(familyReply(fam, 9, 0));
  t.same(decodeFamilyReply(decodeGenl(bytes)), fam);
});

t.test('acks and errors', async (t) => {
  const ack = encodeAck({ type: 0x1c, flags: 5, seq: 77, pid: 4 }, 17);
  const [m] = splitNlmsgs(ack);
  t.same(decodeNlError(m!), { errno: 17, request: { type: 0x1c, flags: 5, seq: 77, pid: 4 } });
});

t.test('validation reasons', async (t) => {
  t.match(validateNlmsgs(Buffer.from([8, 0, 0, 0])), /shorter than a netlink header/);
  t.match(validateNlmsgs(Buffer.from('2000000010000500000000000000000003010000', 'hex')), /truncated/);
  t.match(validateAttrs(Buffer.from([2, 0, 1, 0])), /length 2 < 4/);
  t.match(validateAttrs(Buffer.from([9, 0, 1, 0, 0])), /overruns/);
  const noAf = StrictAttrSet.decode(new AttrWriter().u16(2, 6).toBuffer());
  t.match(validateServiceAttrs(noAf), /no IPVS_SVC_ATTR_AF/);
  const noPort = StrictAttrSet.decode(new AttrWriter().u16(1, 2).u16(2, 6).raw(3, Buffer.alloc(16)).toBuffer());
  t.match(validateServiceAttrs(noPort), /no IPVS_SVC_ATTR_PORT/);
  const badAf = StrictAttrSet.decode(new AttrWriter().u16(1, 7).u32(5, 1).toBuffer());
  t.match(validateServiceAttrs(badAf), /neither AF_INET nor AF_INET6/);
  t.throws(() => readService(noAf), /no IPVS_SVC_ATTR_AF/);
  t.equal(validateServiceAttrs(StrictAttrSet.decode(new AttrWriter().u16(1, 2).u32(5, 9).toBuffer())), undefined, 'fwmark service');
});
