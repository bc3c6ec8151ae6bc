/** virtual_server_group, virtual_server, real_server, SSL (check/check_parser.c). */
import type { ConfigStatement } from '../tree.js';
import type { KeywordEnv, KeywordSpec, KeywordTable } from './types.js';
import { kw, valueLines } from './types.js';
import { boolField, scriptField, stringField, timerField, uintField, wordsField } from './generic.js';
import { checkerKeywords, type CheckerDraft } from './checkers.js';
import { parseSockAddr, readUnsigned, UINT_MAX } from './values.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServerDraft = Record<string, any>;
type S = ServerDraft;

const IPVS_WEIGHT_LIMIT = 2147483647;
const LVS_MAX_TIMEOUT = 86400 * 31;
const LB_FLAGS = ['hashed', 'ops', 'flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'];

function forwarding(field: string, sType: string): KeywordSpec<S> {
  return kw((s, t, env) => {
    const str = env.arg(s, 1);
    if (str === 'NAT' || str === 'DR') t[field] = str;
    else if (str === 'TUN') {
      t[field] = str;
      if (s.words.length > 2) t.tunnel = s.words.slice(2);
    } else env.error(`PARSER : unknown [${str}] routing method for ${sType} server.`);
  });
}

function serverCommon(kind: 'virtual' | 'real'): KeywordTable<S> {
  return {
    retry: uintField<S>('retry', 0, UINT_MAX, 'retry value invalid - %s'),
    delay_before_retry: timerField<S>('delayBeforeRetryUs', 0, UINT_MAX, kind === 'virtual' ? "virtual server delay before retry '%s' invalid - ignoring" : "real server delay_before_retry '%s' invalid - ignoring"),
    warmup: timerField<S>('warmupUs', 0, UINT_MAX, `${kind} server warmup '%s' invalid - ignoring`),
    connect_timeout: timerField<S>('connectTimeoutUs', 1, UINT_MAX, `${kind} server connect_timeout %s invalid - ignoring`),
    delay_loop: timerField<S>('delayLoopUs', 1, UINT_MAX, kind === 'virtual' ? "virtual server delay loop '%s' invalid - ignoring" : "real server delay_loop '%s' invalid - ignoring"),
    inhibit_on_failure: boolField<S>('inhibitOnFailure', 'Invalid inhibit_on_failure parameter %s'),
    alpha: boolField<S>('alpha', 'Invalid alpha parameter %s'),
    smtp_alert: boolField<S>('smtpAlert', `Invalid ${kind === 'virtual' ? 'virtual_server' : 'real_server'} smtp_alert parameter %s`),
    virtualhost: stringField<S>('virtualhost', `${kind} server virtualhost missing`),
    snmp_name: stringField<S>('snmpName', `${kind} server snmp_name missing or extra parameters`),
  };
}

function parseServerAddress(env: KeywordEnv, s: ConfigStatement): { address: string; port?: number } | undefined {
  const address = env.arg(s, 1);
  if (!parseSockAddr(address)) {
    env.error(`Invalid server address ${address} - skipping`);
    return undefined;
  }
  if (s.words.length < 3) return { address };
  const port = readUnsigned(env, s.words[2]!, 0, 65535);
  return port === undefined ? { address } : { address, port };
}

const realServerKeywords: KeywordTable<S> = {
  ...serverCommon('real'),
  weight: kw((s, t, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 0, IPVS_WEIGHT_LIMIT);
    if (n === undefined) env.error(`Real server weight ${s.words[1]} is outside range 0-${IPVS_WEIGHT_LIMIT}`);
    else t.weight = n;
  }),
  lvs_method: forwarding('lvsMethod', 'real'),
  uthreshold: uintField<S>('uthreshold', 0, UINT_MAX, "Invalid real_server uthreshold '%s' - ignoring"),
  lthreshold: uintField<S>('lthreshold', 0, UINT_MAX, "Invalid real_server lthreshold '%s' - ignoring"),
  notify_up: scriptField<S>('notifyUp'),
  notify_down: scriptField<S>('notifyDown'),
  ...(checkerKeywords as KeywordTable<S>),
};

export const virtualServerKeywords: KeywordTable<S> = {
  ...serverCommon('virtual'),
  ip_family: kw((s, t, env) => {
    const f = env.arg(s, 1);
    if (f !== 'inet' && f !== 'inet6') env.error(`unknown address family ${f}`);
    else if (t.ipFamily && t.ipFamily !== f) env.error(`Virtual server specified family ${f} conflicts with server family`);
    else t.ipFamily = f;
  }),
  lb_algo: stringField<S>('lbAlgo'),
  lvs_sched: stringField<S>('lbAlgo'),
  ...Object.fromEntries(LB_FLAGS.map((f) => [f, kw<S>((_s, t) => { (t.lbFlags ??= []).push(f); })])),
  lb_kind: forwarding('lbKind', 'virtual'),
  lvs_method: forwarding('lbKind', 'virtual'),
  persistence_engine: stringField<S>('persistenceEngine'),
  persistence_timeout: kw((s, t, env) => {
    const n = s.words.length < 2 ? 360 : readUnsigned(env, s.words[1]!, 1, LVS_MAX_TIMEOUT);
    if (n === undefined) env.error('persistence_timeout invalid');
    else t.persistenceTimeoutSec = n;
  }),
  persistence_granularity: stringField<S>('persistenceGranularity'),
  protocol: kw((s, t, env) => {
    const p = env.arg(s, 1);
    if (p === 'TCP' || p === 'UDP' || p === 'SCTP') t.protocol = p;
    else env.error(`Unknown protocol ${p} - ignoring`);
  }),
  ha_suspend: kw((_s, t) => { t.haSuspend = true; }),
  omega: kw((_s, t) => { t.omega = true; }),
  quorum_up: scriptField<S>('quorumUp'),
  quorum_down: scriptField<S>('quorumDown'),
  quorum: kw((s, t, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, UINT_MAX);
    if (n === undefined) {
      env.error(`Quorum ${s.words[1]} must be in [1, ${UINT_MAX}]. Setting to 1.`);
      t.quorum = 1;
    } else t.quorum = n;
  }),
  hysteresis: uintField<S>('hysteresis', 0, UINT_MAX, `Hysteresis %s must be in [0, ${UINT_MAX}] - ignoring`),
  weight: uintField<S>('weight', 1, IPVS_WEIGHT_LIMIT, `Virtual server weight %s is outside range 1-${IPVS_WEIGHT_LIMIT}`),
  sorry_server: kw((s, t, env) => {
    const a = parseServerAddress(env, s);
    if (a) t.sorryServer = a;
  }),
  sorry_server_inhibit: kw((_s, t, env) => {
    if (!t.sorryServer) env.error('Ignoring sorry_server inhibit used before or without sorry_server');
    else t.sorryServerInhibit = true;
  }),
  sorry_server_lvs_method: kw((s, t, env) => {
    if (!t.sorryServer) return env.error('sorry_server forwarding used without sorry_server');
    forwarding('sorryServerLvsMethod', 'sorry').handler!(s, t, env);
  }),
  real_server: {
    sub: {
      table: realServerKeywords,
      open: (s: ConfigStatement, _vs: S, env: KeywordEnv): S | undefined => {
        const a = parseServerAddress(env, s);
        return a ? { ...a, weight: 1, tunnel: [], checkers: [] as CheckerDraft[] } : undefined;
      },
      close: (rs: S, vs: S, env: KeywordEnv) => {
        const fam = parseSockAddr(rs.address);
        if (rs.lvsMethod !== 'TUN') {
          if (!vs.ipFamily) vs.ipFamily = fam;
          else if (vs.ipFamily !== fam) {
            env.error(`Address family of virtual server and real server ${rs.address} don't match - skipping real server.`);
            return;
          }
        }
        vs.realServers.push(rs);
      },
    },
  },
};

/** The `virtual_server ...` line: "IP PORT", "fwmark N" or "group NAME". */
export function openVirtualServer(s: ConfigStatement, env: KeywordEnv): S | undefined {
  // protocol, scheduler and forwarding method stay unset: completion applies keepalived's defaults with its warnings
  const base: S = { lbFlags: [], quorum: 1, hysteresis: 0, realServers: [], loc: s.loc };
  const w1 = env.arg(s, 1);
  if (w1 === 'group') return { ...base, kind: 'group', group: env.arg(s, 2) };
  if (w1 === 'fwmark') {
    const n = readUnsigned(env, env.arg(s, 2), 0, UINT_MAX);
    if (n === undefined) {
      env.error(`virtual server fwmark '${s.words[2]}' must be in [0, ${UINT_MAX}] - ignoring`);
      return undefined;
    }
    return { ...base, kind: 'fwmark', fwmark: n };
  }
  const a = parseServerAddress(env, s);
  if (!a) return undefined;
  return { ...base, kind: 'address', ...a, ipFamily: parseSockAddr(a.address) };
}

/** virtual_server_group NAME { lines } - each line an address range + port, or fwmark N. */
export function virtualServerGroupEntries(s: ConfigStatement): string[][] {
  return valueLines(s).map((l) => l.words);
}

export const sslKeywords: KeywordTable<S> = {
  password: stringField<S>('password', 'SSL password missing'),
  ca: stringField<S>('ca', 'SSL ca missing'),
  certificate: stringField<S>('certificate', 'SSL certificate missing'),
  key: stringField<S>('key', 'SSL key missing'),
};

export { wordsField };
