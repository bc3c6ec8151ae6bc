/** bfd_instance keywords (bfd/bfd_parser.c). */
import type { BfdInstance } from '../model/index.js';
import type { KeywordSpec, KeywordTable } from './types.js';
import { kw } from './types.js';
import { flagField } from './generic.js';
import { parseSockAddr, readDecimal, readInt, readUnsigned } from './values.js';

type B = BfdInstance;

function address(field: 'sourceIp' | 'neighborIp'): KeywordSpec<B> {
  return kw((s, b, env) => {
    const text = env.arg(s, 1);
    if (!parseSockAddr(text)) {
      return env.error(field === 'sourceIp'
        ? `Configuration error: BFD instance ${b.name} has malformed source address ${text}, ignoring`
        : `Configuration error: BFD instance ${b.name} has malformed ${s.words[0] === 'neighbour_ip' ? 'neighbour' : 'neighbor'} address ${text}, ignoring instance`);
    }
    b[field] = text;
  });
}

const MS_MAX = Math.floor(4294967295 / 1000);

/** Milliseconds with up to 3 decimals, kept in microseconds. */
function millis(field: 'minRxUs' | 'minTxUs' | 'idleTxUs', what: string, minMs: number): KeywordSpec<B> {
  return kw((s, b, env) => {
    const n = readDecimal(env, env.arg(s, 1), minMs * 1000, MS_MAX * 1000, 3);
    if (n === undefined)
      return env.error(`Configuration error: BFD instance ${b.name} ${what} value ${s.words[1]} is not valid (must be in range [${minMs}-${MS_MAX}]), ignoring`);
    b[field] = n;
  });
}

export function newBfdInstance(name: string): B {
  return { name, minRxUs: 10_000, minTxUs: 10_000, idleTxUs: 1_000_000, multiplier: 5, passive: false, vrrp: false, checker: false };
}

export const bfdInstanceKeywords: KeywordTable<B> = {
  source_ip: address('sourceIp'),
  neighbor_ip: address('neighborIp'),
  neighbour_ip: address('neighborIp'),
  min_rx: millis('minRxUs', 'min_rx', 1),
  min_tx: millis('minTxUs', 'min_tx', 1),
  idle_tx: millis('idleTxUs', 'idle_tx', 1000),
  multiplier: kw((s, b, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 255);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} multiplier value ${s.words[1]} not valid (must be in range [1-255]), ignoring`);
    b.multiplier = n;
  }),
  passive: flagField<B>('passive'),
  ttl: kw((s, b, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 255);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} ttl/hoplimit value ${s.words[1]} not valid (must be in range [1-255]), ignoring`);
    b.ttl = n;
  }),
  hoplimit: kw((s, b, env) => bfdInstanceKeywords.ttl!.handler!(s, b, env)),
  max_hops: kw((s, b, env) => {
    const n = readInt(env, env.arg(s, 1), -1, 255);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} max_hops value ${s.words[1]} not valid (must be in range [-1-255]), ignoring`);
    b.maxHops = n;
  }),
  weight: kw((s, b, env) => {
    const n = readInt(env, env.arg(s, 1), -253, 253);
    if (n === undefined) return env.error(`Configuration error: BFD instance ${b.name} weight value ${s.words[1]} not valid (must be in range [-253-253]), ignoring`);
    b.weight = n;
  }),
  vrrp: flagField<B>('vrrp'),
  checker: flagField<B>('checker'),
};
