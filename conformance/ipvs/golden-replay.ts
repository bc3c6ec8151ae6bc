/**
 * Section G of the guest suite: the commands ipvsadm sent in conformance/vm/golden/,
 * written as values (golden.ts) and sent through our IpvsClient to the real kernel in
 * the capture's order. Per command: our bytes equal ipvsadm's (seq/pid and the family
 * id masked), the kernel answers both alike (errno, and the decoded dump replies).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeBinding } from '@keepalived-ts/native';
import { IpvsClient, decodeIpvsAttrs, familyRequest, encodeGenl, type IpvsBody } from '@keepalived-ts/ipvs-wrapper';
import { GOLDEN_CASES, GOLDEN_DAEMON_IFACE, ipvsExchanges, maskHeader, readGolden } from './golden.js';
import { emit, ipvsadm, run } from './guest-lib.js';

/** conformance/vm/golden (this file compiles to conformance/dist/ipvs/). */
export const goldenDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../vm/golden');

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

export async function replayGolden(native: NativeBinding): Promise<void> {
  ipvsadm(['-C']);
  run(['ip', 'link', 'add', GOLDEN_DAEMON_IFACE, 'type', 'dummy']);
  run(['ip', 'link', 'set', GOLDEN_DAEMON_IFACE, 'multicast', 'on', 'up']);
  const sent: Buffer[] = [];
  const client = await IpvsClient.open(native, undefined, { onSend: (b) => sent.push(Buffer.from(b)) });
  try {
    // the family lookup: libnl's CTRL_CMD_GETFAMILY as ipvsadm sends it
    const ourLookup = sent[0]!;
    const first = ipvsExchanges(readGolden(goldenDir, GOLDEN_CASES[0]!.name));
    const theirLookup = first.ctrlRequests[0]!;
    emit('golden:getfamily', maskHeader(ourLookup) === maskHeader(theirLookup)
      && encodeGenl(familyRequest('IPVS', theirLookup.readUInt32LE(8), theirLookup.readUInt32LE(12))).equals(theirLookup),
    { ours: ourLookup.toString('hex'), theirs: theirLookup.toString('hex') });

    for (const c of GOLDEN_CASES) {
      const { familyId, exchanges } = ipvsExchanges(readGolden(goldenDir, c.name));
      const problems: string[] = [];
      if (exchanges.length !== c.commands.length) problems.push(`${exchanges.length} IPVS requests captured, ${c.commands.length} modelled`);
      for (const [i, cmd] of c.commands.entries()) {
        const ex = exchanges[i];
        if (!ex) break;
        sent.length = 0;
        const destAf = cmd.body.service?.af ?? 2;
        let parts: IpvsBody[] = [];
        let errno = 0;
        try {
          parts = await client.command(cmd.cmd, cmd.body, cmd.dump, destAf);
        } catch (e) {
          errno = (e as { errno?: number }).errno ?? -1;
        }
        const ours = sent[0];
        if (!ours || maskHeader(ours, client.family.id) !== maskHeader(ex.request, familyId)) {
          problems.push(`request ${i} (cmd ${cmd.cmd}) bytes differ: ours ${ours?.toString('hex')} theirs ${ex.request.toString('hex')}`);
        }
        if (errno !== (ex.errno ?? 0)) problems.push(`request ${i} (cmd ${cmd.cmd}): kernel said errno ${errno} to us, ${ex.errno} to ipvsadm`);
        const theirParts = ex.replies.map((g) => decodeIpvsAttrs(g.cmd, g.attrs, destAf));
        // a dump walks the kernel's hash table, whose order differs from boot to boot: compare as sets
        const sorted = (ps: IpvsBody[]): string[] => ps.map(json).sort();
        if (json(sorted(parts)) !== json(sorted(theirParts))) problems.push(`request ${i} (cmd ${cmd.cmd}) replies differ: ours ${json(parts)} theirs ${json(theirParts)}`);
      }
      emit(`golden:${c.name}`, problems.length === 0, { requests: c.commands.length, problems });
    }
  } finally {
    client.close();
    run(['ip', 'link', 'del', GOLDEN_DAEMON_IFACE]);
    ipvsadm(['-C']);
  }
}
