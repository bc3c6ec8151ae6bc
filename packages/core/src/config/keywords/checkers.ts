/** Checker blocks inside real_server (check/check_*.c). */
import type { Checker, HttpUrl } from '../model/checker.js';
import type { ConfigStatement } from '../tree.js';
import type { KeywordEnv, KeywordSpec, KeywordTable } from './types.js';
import { kw } from './types.js';
import {
  boolField, flagField, intField, secondsAsUsField, stringField, timerField, uintField, wordsField,
} from './generic.js';
import { resolveScriptUser, scriptFrom } from './shared.js';
import { parseSockAddr, readUnsigned, TIMER_HZ, UINT_MAX } from './values.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CheckerDraft = Record<string, any> & { type: Checker['type'] };
type C = CheckerDraft;

const MAX_TIMER = Math.floor(UINT_MAX / TIMER_HZ);

function commonKeywords(connection: boolean): KeywordTable<C> {
  const base: Record<string, KeywordSpec<C>> = {
    retry: uintField<C>('retry', 0, UINT_MAX, 'Invalid retry value \'%s\''),
    delay_before_retry: timerField<C>('delayBeforeRetryUs', 0, UINT_MAX, 'invalid delay_before_retry value %s'),
    warmup: timerField<C>('warmupUs', 0, UINT_MAX, 'invalid warmup value %s'),
    delay_loop: timerField<C>('delayLoopUs', 1, UINT_MAX, 'checker delay_loop \'%s\' invalid - ignoring'),
    alpha: boolField<C>('alpha', 'Invalid alpha parameter %s'),
    log_all_failures: boolField<C>('logAllFailures', 'Invalid log_all_failures parameter %s'),
  };
  if (connection) {
    Object.assign(base, {
      connect_ip: kw<C>((s, c, env) => {
        if (!parseSockAddr(env.arg(s, 1))) env.error(`Invalid connect_ip address ${s.words[1]} - ignoring`);
        else c.connectIp = s.words[1];
      }),
      connect_port: uintField<C>('connectPort', 0, 65535, 'Invalid checker connect_port \'%s\''),
      bindto: kw<C>((s, c, env) => {
        if (!parseSockAddr(env.arg(s, 1))) env.error(`Invalid bindto address ${s.words[1]} - ignoring`);
        else c.bindTo = s.words[1];
      }),
      bind_port: uintField<C>('bindPort', 0, 65535, 'Invalid checker bind_port \'%s\''),
      bind_if: kw<C>((s, c, env) => {
        const name = env.arg(s, 1);
        if (name === undefined) return;
        // IFNAMSIZ - 1, the most SO_BINDTODEVICE accepts
        if (name.length > 15) env.error(`Interface name ${name} is too long - ignoring`);
        else c.bindIf = name;
      }),
      connect_timeout: timerField<C>('connectTimeoutUs', 1, UINT_MAX, 'connect_timeout %s invalid - ignoring'),
      fwmark: uintField<C>('fwmark', 0, UINT_MAX, 'Invalid fwmark connection value \'%s\''),
    });
  }
  return base;
}

/** IN6_IS_ADDR_LINKLOCAL (fe80::/10) of an address literal, ignoring any %scope. */
function isLinkLocal6(text: string): boolean {
  const addr = text.split('%')[0]!;
  if (parseSockAddr(addr) !== 'inet6') return false;
  const first = addr.split(':')[0]!;
  return first !== '' && (parseInt(first, 16) & 0xffc0) === 0xfe80;
}

/**
 * keepalived's check_conn_opts at the end of a checker (or SMTP host) block:
 * a link-local destination is ambiguous without bind_if, so the checker is dropped.
 */
function linkLocalHasInterface(c: C, rsAddress: string | undefined, env: KeywordEnv): boolean {
  const dst: string | undefined = c.connectIp ?? rsAddress;
  if (dst === undefined || c.bindIf || !isLinkLocal6(dst)) return true;
  env.error(`Checker link local address ${dst.split('%')[0]} requires a bind_if`);
  return false;
}

function checkerBlock(type: Checker['type'], extra: KeywordTable<C>, common: 'connection' | 'basic' | 'none' = 'connection'): KeywordSpec<unknown> {
  return {
    sub: {
      table: { ...(common === 'none' ? {} : commonKeywords(common === 'connection')), ...extra },
      open: (): C => ({ type }),
      close: (c: C, parent: { checkers: C[]; address?: string }, env: KeywordEnv) => {
        if (c.removed) return;
        if (common === 'connection' && !linkLocalHasInterface(c, parent.address, env)) return;
        parent.checkers.push(c);
      },
    },
  };
}

type U = Partial<HttpUrl> & { statusCode: string[] };

const urlKeywords: KeywordTable<U> = {
  path: stringField<U>('path'),
  digest: stringField<U>('digest'),
  status_code: kw<U>((s, u) => { u.statusCode.push(...s.words.slice(1)); }),
  virtualhost: stringField<U>('virtualhost'),
  regex: stringField<U>('regex'),
  regex_no_match: flagField<U>('regexNoMatch'),
  regex_options: wordsField<U>('regexOptions'),
  regex_min_offset: uintField<U>('regexMinOffset', 0, UINT_MAX),
  regex_max_offset: uintField<U>('regexMaxOffset', 0, UINT_MAX),
  regex_stack: uintField<U>('regexStack', 0, UINT_MAX),
};

function httpKeywords(): KeywordTable<C> {
  return {
    nb_get_retry: kw<C>((s, c, env) => {
      env.error("nb_get_retry is deprecated - please use 'retry'");
      const n = readUnsigned(env, env.arg(s, 1), 0, UINT_MAX);
      if (n === undefined) env.error(`Invalid nb_get_retry value '${s.words[1]}'`);
      else c.retry = n;
    }),
    virtualhost: stringField<C>('virtualhost'),
    http_protocol: stringField<C>('httpProtocol'),
    enable_sni: boolField<C>('enableSni'),
    fast_recovery: boolField<C>('fastRecovery'),
    url: {
      sub: {
        table: urlKeywords,
        open: (): U => ({ statusCode: [] }),
        close: (u: U, c: C) => { (c.urls ??= []).push(u); },
      },
    },
  };
}

export const checkerKeywords: KeywordTable<{ checkers: C[] }> = {
  TCP_CHECK: checkerBlock('TCP_CHECK', {}),
  HTTP_GET: checkerBlock('HTTP_GET', httpKeywords()),
  SSL_GET: checkerBlock('SSL_GET', httpKeywords()),
  SMTP_CHECK: checkerBlock('SMTP_CHECK', {
    helo_name: stringField<C>('heloName'),
    host: {
      sub: {
        table: commonKeywords(true),
        open: (): C => ({ type: 'TCP_CHECK' }),
        close: (h: C, c: C, env: KeywordEnv) => {
          if (!linkLocalHasInterface(h, undefined, env)) return;
          const { type: _t, ...rest } = h;
          (c.hosts ??= []).push(rest);
        },
      },
    },
  }),
  DNS_CHECK: checkerBlock('DNS_CHECK', {
    type: stringField<C>('queryType'),
    name: stringField<C>('name'),
  }),
  MISC_CHECK: checkerBlock('MISC_CHECK', {
    misc_path: kw<C>((s: ConfigStatement, c) => { c.miscPath = scriptFrom(s); }),
    misc_timeout: secondsAsUsField<C>('miscTimeoutUs', 0, MAX_TIMER, 'Invalid misc_timeout value \'%s\''),
    misc_dynamic: flagField<C>('miscDynamic'),
    user: kw<C>((s, c, env) => {
      if (s.words.length < 2) return env.error(`No user specified for misc checker script ${c.miscPath?.text ?? ''}`);
      if (!resolveScriptUser(env, s.words[1]!, s.words[2])) {
        c.removed = true;
        return env.error(`Failed to set uid/gid for misc checker script ${c.miscPath?.text ?? ''} - removing`);
      }
      c.user = s.words[1];
      if (s.words[2]) c.group = s.words[2];
    }),
  }, 'basic'),
  UDP_CHECK: checkerBlock('UDP_CHECK', {
    payload: stringField<C>('payload'),
    require_reply: kw<C>((s, c) => { c.requireReply = s.words[1] ?? ''; }),
    min_reply_length: uintField<C>('minReplyLength', 0, 65515),
    max_reply_length: uintField<C>('maxReplyLength', 0, 65515),
  }),
  PING_CHECK: checkerBlock('PING_CHECK', {}),
  FILE_CHECK: checkerBlock('FILE_CHECK', {
    track_file: stringField<C>('trackFile'),
    weight: kw<C>((s, c, env) => {
      const t = { v: undefined as number | undefined };
      intField<typeof t>('v', -254, 254, 'Weight (%s) for FILE_CHECK must be between [-254..254] inclusive. Ignoring...').handler!(s, t, env);
      if (t.v !== undefined) c.weight = t.v;
      if (s.words[2] === 'reverse') c.weightReverse = true;
    }),
  }, 'none'),
  BFD_CHECK: checkerBlock('BFD_CHECK', { name: stringField<C>('name'), alpha: boolField<C>('alpha') }, 'none'),
};
