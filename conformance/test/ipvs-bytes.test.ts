/**
 * Our IPVS codec against ipvsadm's own netlink messages (conformance/vm/golden/, captured
 * on a real IPVS kernel): each captured command, built from values with our codec and
 * the capture's seq/pid/family id, is byte-identical; the kernel's replies decode; and
 * where keepalived (our reconciler's byte reference, packages/ipvs-wrapper fixtures)
 * legitimately differs from ipvsadm, the difference is pinned down here. The same
 * commands go through our client to the real kernel in ipvs-kernel.test.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import t from 'tap';
import {
  IPVS_CMD_DEL_DAEMON, IPVS_CMD_GET_DEST, IPVS_CMD_GET_SERVICE, IPVS_CMD_NEW_DEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
  decodeGenl, decodeIpvsAttrs, encodeGenl, familyRequest, fromGenlMessage, toGenlMessage, type IpvsMessage,
} from '@keepalived-ts/ipvs-wrapper';
import { GOLDEN_CASES, ipvsExchanges, readGolden } from '../ipvs/golden.js';
import { repoRoot } from '../lib/paths.js';

const goldenDir = resolve(repoRoot, 'conformance/vm/golden');

t.test('every ipvsadm request, built from values with our codec, is byte-identical', async (t) => {
  t.equal(GOLDEN_CASES.length, 24, 'every capture-golden.sh case is modelled');
  let requests = 0;
  for (const c of GOLDEN_CASES) {
    const g = readGolden(goldenDir, c.name);
    const { familyId, exchanges, ctrlRequests } = ipvsExchanges(g);
    t.equal(familyId, 0x20, `${c.name}: IPVS family id of the capture`);
    t.equal(exchanges.length, c.commands.length, `${c.name}: ${c.commands.length} IPVS requests`);
    for (const [i, cmd] of c.commands.entries()) {
      const theirs = exchanges[i]!.request;
      const msg: IpvsMessage = {
        type: familyId, flags: NLM_F_REQUEST | NLM_F_ACK | (cmd.dump ? NLM_F_DUMP : 0),
        seq: theirs.readUInt32LE(8), pid: theirs.readUInt32LE(12), cmd: cmd.cmd, version: 1, ...cmd.body,
      };
      t.same(encodeGenl(toGenlMessage(msg)).toString('hex'), theirs.toString('hex'), `${c.name} request ${i} (cmd ${cmd.cmd})`);
      requests++;
    }
    for (const req of ctrlRequests) {
      t.same(encodeGenl(familyRequest('IPVS', req.readUInt32LE(8), req.readUInt32LE(12))), req, `${c.name}: GETFAMILY("IPVS") as libnl sends it`);
    }
  }
  t.equal(requests, 60, 'all 60 captured IPVS requests compared');
});

t.test('the kernel\'s answers in the captures decode, and say what ipvsadm printed', async (t) => {
  const errnos = new Map<string, number | undefined>();
  for (const c of GOLDEN_CASES) {
    const { exchanges } = ipvsExchanges(readGolden(goldenDir, c.name));
    for (const ex of exchanges) {
      const req = decodeGenl(ex.request);
      for (const r of ex.replies) t.doesNotThrow(() => decodeIpvsAttrs(r.cmd, r.attrs, 2), `${c.name}: reply cmd ${r.cmd} decodes`);
      if (req.cmd !== 15) errnos.set(c.name, ex.errno);
    }
  }
  t.equal(errnos.get('add-service-exists'), 17, 'a second -A of fwmark 1: EEXIST');
  t.equal(errnos.get('del-service-missing'), 3, '-D of a deleted service: ESRCH');
  t.equal(errnos.get('add-service-tcp'), 0, 'a plain command is acked');

  // ipvsadm -Sn printed the table; the GET_SERVICE / GET_DEST dumps it read hold the same values
  const save = ipvsExchanges(readGolden(goldenDir, 'save'));
  const services = save.exchanges.find((e) => decodeGenl(e.request).cmd === IPVS_CMD_GET_SERVICE)!.replies
    .map((r) => decodeIpvsAttrs(r.cmd, r.attrs).service!);
  const byPort = new Map(services.map((s) => [`${s.fwmark}/${s.port}`, s]));
  t.match(byPort.get('0/80'), { scheduler: 'wrr', timeout: 60, netmask: 0xffffff00 }, '-A -t 192.0.2.1:80 -s wrr -p 60 -M 255.255.255.0');
  t.equal(byPort.get('0/80')!.flags! & 1, 1, 'persistent');
  t.equal(byPort.get('0/53')!.flags! & 4, 4, '-o: one-packet');
  t.equal(byPort.get('0/443')!.flags! & 0x10, 0x10, '-b sh-port');
  t.match(byPort.get('1/0'), { scheduler: 'wlc', timeout: 30 }, '-A -f 1 -s wlc -p 30');
  const dests = save.exchanges.filter((e) => decodeGenl(e.request).cmd === IPVS_CMD_GET_DEST && e.replies.length)
    .map((e) => {
      const req = fromGenlMessage(decodeGenl(e.request));
      return decodeIpvsAttrs(e.replies[0]!.cmd, e.replies[0]!.attrs, req.service?.af ?? 2).dest!;
    });
  t.match(dests.find((d) => d.address === '192.0.2.11'), { port: 80, fwdMethod: 0, weight: 3, upperThreshold: 100, lowerThreshold: 10 },
    '-m -w 3 (thresholds -x 100 -y 10 are in the dump though -Sn does not print them)');
  t.match(dests.find((d) => d.address === '192.0.2.12'), { port: 0, fwdMethod: 3, weight: 2 }, 'fwmark DR server: port 0');
  t.match(dests.find((d) => d.address === '192.0.2.13'), { port: 53, fwdMethod: 2, weight: 1, tunType: 0 }, '-i: ipip tunnel');
  t.match(dests.find((d) => d.address === '2001:db8::11'), { af: 10, port: 443, fwdMethod: 0 }, 'IPv6 NAT server');
});

t.test('where keepalived and ipvsadm encode differently, only what the kernel ignores differs', async (t) => {
  const fixture = JSON.parse(readFileSync(resolve(repoRoot, 'packages/ipvs-wrapper/test/fixtures/keepalived-2.2.7-ipvs-sendmsg.json'), 'utf8')) as {
    messages: { cmd: string; hex: string }[];
  };
  const ka = (cmd: string): IpvsMessage[] => fixture.messages.filter((m) => m.cmd === cmd).map((m) => fromGenlMessage(decodeGenl(Buffer.from(m.hex, 'hex'))));
  const adm = (name: string): IpvsMessage => {
    const { exchanges } = ipvsExchanges(readGolden(goldenDir, name));
    return fromGenlMessage(decodeGenl(exchanges[exchanges.length - 1]!.request));
  };
  // 1. The service inside NEW/SET/DEL_DEST: keepalived repeats the scheduler and its flags,
  //    ipvsadm sends an empty scheduler. The kernel uses only the identity there.
  const kaDest = ka('NEW_DEST')[0]!;
  const admDest = adm('add-dest-nat');
  t.equal(kaDest.cmd, IPVS_CMD_NEW_DEST);
  t.equal(kaDest.service!.scheduler, 'rr', 'keepalived: the service\'s scheduler');
  t.equal(admDest.service!.scheduler, '', 'ipvsadm: empty scheduler');
  t.same(Object.keys(kaDest.service!).sort(), Object.keys(admDest.service!).sort(), 'otherwise the same attributes');
  // 2. Tunnel attributes: keepalived sends them only for TUN servers, ipvsadm always (zeros).
  t.equal(kaDest.dest!.fwdMethod, 0);
  t.equal(kaDest.dest!.tunType, undefined, 'keepalived: a NAT server carries no tunnel attributes');
  t.same([admDest.dest!.tunType, admDest.dest!.tunPort, admDest.dest!.tunFlags], [0, 0, 0], 'ipvsadm: zero tunnel attributes');
  // 3. DEL_DAEMON: keepalived names state + sync id; ipvsadm state, an empty interface, sync id 0.
  const kaStop = ka('DEL_DAEMON')[0]!;
  const admStop = adm('stop-daemon');
  t.equal(kaStop.cmd, IPVS_CMD_DEL_DAEMON);
  t.same(kaStop.daemon, { state: 2, syncId: 5 }, 'keepalived: state and sync id');
  t.same(admStop.daemon, { state: 1, syncId: 0, mcastIfn: '' }, 'ipvsadm: state, sync id 0, empty interface');
  // 4. Everything else keepalived sends has ipvsadm's layout: same attribute order per nest.
  const layout = (m: IpvsMessage): string[] => Object.keys(m).filter((k) => !['seq', 'pid', 'type'].includes(k));
  t.same(layout(ka('NEW_SERVICE')[0]!), layout(adm('add-service-tcp')), 'NEW_SERVICE: same parts');
  t.same(layout(ka('SET_CONFIG')[0]!), layout(adm('set-timeouts')), 'SET_CONFIG: same parts');
  const kaSvc = encodeGenl(toGenlMessage({ ...ka('NEW_SERVICE')[0]!, seq: 0, pid: 0, type: 0x20 }));
  const admSvc = adm('add-service-tcp');
  const rebuilt = encodeGenl(toGenlMessage({ ...admSvc, seq: 0, pid: 0, service: { ...admSvc.service!, address: '192.0.2.200', port: 80 } }));
  t.same(kaSvc.subarray(16), rebuilt.subarray(16), 'NEW_SERVICE for the same service: keepalived\'s bytes are ipvsadm\'s bytes');
});
