/** bfd_instance keywords (bfd/bfd_parser.c). */
import type { BfdInstance } from '../model/index.js';
import type { KeywordSpec, KeywordTable } from './types.js';
import { kw } from './types.js';
import { flagField } from './generic.js';
import { parseSockAddr, readInt, readUnsigned } from './values.js';

type B = BfdInstance;

function address(field: 'sourceIp' | 'neighborIp', what: string): KeywordSpec<B> {
  return kw((s, b, env) => {
    const text = env.arg(s, 1);
    if (!parseSockAddr(text)) return env.error(`Configuration error: BFD instance ${b.name} ${what} address ${text} not valid - ignoring`);
    b[field] = text;
  });
}

function millis(field: 'minRxMs' | 'minTxMs' | 'idleTxMs', what: string): KeywordSpec<B> {
  return kw((s, b, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 1000 * 1000);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} ${what} value ${s.words[1]} is not valid - ignoring`);
    b[field] = n;
  });
}

export function newBfdInstance(name: string): B {
  return { name, minRxMs: 10, minTxMs: 10, idleTxMs: 1000, multiplier: 5, passive: false, vrrp: false, checker: false };
}

export const bfdInstanceKeywords: KeywordTable<B> = {
  source_ip: address('sourceIp', 'source'),
  neighbor_ip: address('neighborIp', 'neighbor'),
  neighbour_ip: address('neighborIp', 'neighbor'),
  min_rx: millis('minRxMs', 'min_rx'),
  min_tx: millis('minTxMs', 'min_tx'),
  idle_tx: millis('idleTxMs', 'idle_tx'),
  multiplier: kw((s, b, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 255);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} multiplier value ${s.words[1]} not valid - must be between 1 & 255. Ignoring`);
    b.multiplier = n;
  }),
  passive: flagField<B>('passive'),
  ttl: kw((s, b, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 255);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} ttl/hoplimit value ${s.words[1]} not valid (must be in range [1-255]). Ignoring`);
    b.ttl = n;
  }),
  hoplimit: kw((s, b, env) => bfdInstanceKeywords.ttl!.handler!(s, b, env)),
  max_hops: kw((s, b, env) => {
    const n = readInt(env, env.arg(s, 1), -1, 255);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} max_hops value ${s.words[1]} not valid (must be in range [-1-255]). Ignoring`);
    b.maxHops = n;
  }),
  weight: kw((s, b, env) => {
    const n = readInt(env, env.arg(s, 1), -253, 253);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} weight value ${s.words[1]} not valid (must be in range [-253-253]). Ignoring`);
    b.weight = n;
  }),
  vrrp: flagField<B>('vrrp'),
  checker: flagField<B>('checker'),
};
