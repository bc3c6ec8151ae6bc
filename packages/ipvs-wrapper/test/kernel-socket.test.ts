// Against the real kernel: the generic netlink socket, the controller, and
// the IPVS lookup. This machine's kernel has no IPVS, so the lookup must fail
// with EIPVSMISSING; a kernel with IPVS must answer GET_INFO instead.
import { existsSync } from 'node:fs';
import t from 'tap';
import { loadNative, type NativeBinding } from '@keepalived-ts/native';
import {
  GENL_ID_CTRL, GenlSocket, IPVS_MISSING_CODE, IPVS_MISSING_MESSAGE, IpvsClient, IpvsError, isIpvsMissing, resolveFamily,
} from '../src/index.js';

let native: NativeBinding | undefined;
let loadError = '';
try {
  native = loadNative();
} catch (e) {
  loadError = (e as Error).message;
}
const skip = native ? false : `native addon not available: ${loadError}`;
const kernelHasIpvs = existsSync('/proc/net/ip_vs');

t.test('the controller resolves its own family (nlctrl, id 0x10) with its multicast group', { skip }, async (t) => {
  const sock = new GenlSocket(native!);
  t.teardown(() => sock.close());
  t.ok(sock.portId > 0, 'bound: the kernel gave us a port id');
  const fam = await resolveFamily(sock, 'nlctrl');
  t.equal(fam.id, GENL_ID_CTRL);
  t.equal(fam.name, 'nlctrl');
  t.ok(fam.version >= 1);
  t.ok(fam.mcastGroups.some((g) => g.name === 'notify'), 'nlctrl has the "notify" group');
  t.ok(sock.counters.messagesReceived >= 2, 'reply and ack');
});

t.test('a dump of all families arrives in several parts and ends with DONE', { skip }, async (t) => {
  const sock = new GenlSocket(native!);
  t.teardown(() => sock.close());
  const parts = await sock.request({ type: GENL_ID_CTRL, cmd: 3, version: 1, attrs: Buffer.alloc(0), flags: 0x300 }, 'all families', 'CTRL_CMD_GETFAMILY');
  t.ok(parts.length >= 2, `${parts.length} families`);
  t.ok(parts.every((p) => p.flags & 0x02), 'every part is NLM_F_MULTI');
});

t.test('an unknown family fails with ENOENT from the kernel', { skip }, async (t) => {
  const sock = new GenlSocket(native!);
  t.teardown(() => sock.close());
  await t.rejects(resolveFamily(sock, 'nosuchfamily'), { code: 'ENOENT', errno: 2, syscall: 'CTRL_CMD_GETFAMILY' });
});

t.test('opening IPVS', { skip }, async (t) => {
  if (kernelHasIpvs) {
    const client = await IpvsClient.open(native!);
    t.teardown(() => client.close());
    const info = await client.getInfo();
    t.ok(info.version > 0 && info.connTabSize > 0);
    return;
  }
  let err: unknown;
  try {
    await IpvsClient.open(native!);
  } catch (e) {
    err = e;
  }
  t.ok(err instanceof IpvsError, 'an IpvsError');
  t.equal((err as IpvsError).code, IPVS_MISSING_CODE);
  t.equal((err as IpvsError).errno, 2);
  t.equal((err as IpvsError).message, IPVS_MISSING_MESSAGE);
  t.equal((err as IpvsError).message, 'IPVS: kernel has no IP Virtual Server support (module ip_vs not available)');
  t.ok(isIpvsMissing(err));
});
