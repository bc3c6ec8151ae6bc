import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNsPair, runChild, nextLine, startCapture, MAC_A } from './fixtures/link/netns.js';
import { readPcapFrames } from './fixtures/link/pcap.js';
import {
  encodeArpFrame, gratuitousArp, encodeNeighborAdvert, unsolicitedNa, decodeNeighborAdvert, checkNeighborAdvert,
} from '../src/link/index.js';

// Root test: real frames over a veth pair between two fresh namespaces,
// captured with tcpdump in the peer namespace.
t.test('GARP and unsolicited NA on the wire match the codec bytes', async (t) => {
  const pair = createNsPair('link');
  t.teardown(() => pair.remove());
  const dir = mkdtempSync(join(tmpdir(), 'klt-link-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'cap.pcap');
  const cap = await startCapture(pair.b, pair.ifB, file, 'arp or (icmp6 and ip6[40] == 136)');
  t.teardown(() => cap.stop());

  const child = runChild(pair.a, 'announce', {
    ifname: pair.ifA, mac: MAC_A, ipv4: ['192.0.2.200', '192.0.2.201'], ipv6: ['2001:db8::200'], router: true,
  });
  const result = JSON.parse(await nextLine(child)) as { sent: boolean };
  t.equal(await child.exited, 0);
  t.ok(result.sent);
  // Give tcpdump (-U, packet-buffered) a moment to write before stopping it.
  await new Promise((r) => setTimeout(r, 300));
  await cap.stop();

  const frames = readPcapFrames(file);
  t.equal(frames.length, 3, 'exactly our three frames');
  t.same(frames[0], encodeArpFrame(gratuitousArp(MAC_A, '192.0.2.200')));
  t.same(frames[1], encodeArpFrame(gratuitousArp(MAC_A, '192.0.2.201')));
  const na = encodeNeighborAdvert(unsolicitedNa(MAC_A, '2001:db8::200', true));
  t.same(frames[2], na);
  t.equal(checkNeighborAdvert(frames[2]!), null, 'checksum verifies');
  t.match(decodeNeighborAdvert(frames[2]!), { router: true, override: true, hopLimit: 255, dst: 'ff02::1', targetMac: MAC_A });
});

t.test('without CAP_NET_RAW the announcer says what is missing', async (t) => {
  const pair = createNsPair('lcap');
  t.teardown(() => pair.remove());
  const child = runChild(pair.a, 'open-announcer', {}, ['setpriv', '--bounding-set=-net_raw', '--inh-caps=-net_raw']);
  const r = JSON.parse(await nextLine(child)) as { error?: string; code?: string; capability?: string };
  await child.exited;
  t.same(r, {
    error: 'cannot open packet socket for gratuitous ARP/NA: CAP_NET_RAW required (EPERM)',
    code: 'EPERM', capability: 'CAP_NET_RAW',
  });
});
