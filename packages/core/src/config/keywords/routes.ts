/**
 * virtual_routes / static_routes and virtual_rules / static_rules lines
 * (vrrp_iproute.c, vrrp_iprule.c). Lines keep their words for the netlink
 * layer; we pick out the identifying fields and give keepalived's warnings.
 */
import type { ConfigStatement } from '../tree.js';
import type { RouteEntry } from '../model/common.js';
import type { KeywordEnv } from './types.js';
import { parseIpLiteral, readUnsigned, UINT_MAX } from './values.js';

const ROUTE_TYPES = new Set(['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'local', 'broadcast', 'anycast', 'multicast', 'nat']);

function withPrefix(dest: string): string {
  if (dest === 'default' || dest === 'any' || dest === 'all') return '0.0.0.0/0';
  if (dest.includes('/')) return dest;
  return `${dest}/${dest.includes(':') ? 128 : 32}`;
}

function checkDev(env: KeywordEnv, dev: string): void {
  if (!env.interfaceExists(dev) && !env.config.global.dynamicInterfaces) {
    env.nonExistentInterface = true;
    env.error(`WARNING - interface ${dev} for VROUTE nexthop doesn't exist`);
  }
}

export function parseRoute(env: KeywordEnv, words: string[]): RouteEntry {
  const entry: RouteEntry = { words: [...words], noTrack: false };
  let i = 0;
  if (words[i] === 'inet' || words[i] === 'inet6') entry.family = words[i++] as 'inet' | 'inet6';
  if (words[i] === 'src') i += 2;
  if (ROUTE_TYPES.has(words[i] ?? '')) i++;
  if (words[i] === 'to') i++;
  entry.destination = words[i];
  if (entry.destination && !entry.family) {
    const fam = parseIpLiteral(entry.destination.split('/')[0]!);
    if (fam) entry.family = fam;
  }
  for (let j = i + 1; j < words.length; j++) {
    const w = words[j];
    if (w === 'or') env.error('"or" for routes is deprecated. Please use "nexthop"');
    else if (w === 'gw') env.error('"gw" for routes is deprecated. Please use "via"');
    if (w === 'via' || w === 'gw') entry.via ??= words[++j];
    else if (w === 'dev' || w === 'oif') {
      const dev = words[++j];
      if (dev !== undefined) {
        checkDev(env, dev);
        entry.dev ??= dev;
      }
    } else if (w === 'table') entry.table = words[++j];
    else if (w === 'no_track') entry.noTrack = true;
    else if (w === 'track_group') entry.trackGroup = words[++j];
  }
  if (!entry.dev && !entry.noTrack && entry.destination)
    env.error(`Warning - cannot track route ${withPrefix(entry.destination)} with no interface specified, not tracking`);
  return entry;
}

/** Rules without a preference get descending ones from 16384, as keepalived does. */
export interface RulePriorityCounter { inet: number; inet6: number }

export function parseRule(env: KeywordEnv, words: string[], counter: RulePriorityCounter): RouteEntry | undefined {
  const entry: RouteEntry = { words: [...words], destination: words.join(' '), noTrack: false };
  let hasPriority = false;
  for (let j = 0; j < words.length; j++) {
    const w = words[j]!;
    if (w === 'inet' || w === 'inet6') entry.family = w;
    else if (w === 'from' || w === 'to') {
      const addr = words[++j];
      if (addr === undefined) continue;
      if (addr === 'all' || addr === 'any' || addr === 'default') continue;
      const fam = parseIpLiteral(addr.split('/')[0]!);
      const prefix = addr.includes('/') ? addr.slice(addr.indexOf('/') + 1) : undefined;
      const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (fam === 'inet6' ? 128 : 32));
      if (!fam || !prefixOk) {
        env.error(`VRRP parsed invalid IP ${addr}. skipping IP...`);
        env.error(`Invalid rule ${w} address ${addr}`);
        return undefined;
      }
      entry.family ??= fam;
    } else if (w === 'preference' || w === 'priority' || w === 'pref' || w === 'prio') {
      hasPriority = readUnsigned(env, words[++j] ?? '', 0, UINT_MAX) !== undefined;
    } else if (w === 'table' || w === 'lookup') entry.table = words[++j];
    else if (w === 'dev' || w === 'iif') entry.dev = words[++j];
    else if (w === 'no_track') entry.noTrack = true;
    else if (w === 'track_group') entry.trackGroup = words[++j];
  }
  if (!hasPriority) {
    const fam = entry.family ?? 'inet';
    const prio = counter[fam]--;
    env.error(`Rule has no preference specified - setting to ${prio}. This is probably not what you want.`);
  }
  return entry;
}

export function routeBlock(env: KeywordEnv, s: ConfigStatement, out: RouteEntry[]): void {
  for (const l of s.block ?? []) {
    env.loc = l.loc;
    out.push(parseRoute(env, l.words));
  }
}

export function ruleBlock(env: KeywordEnv, s: ConfigStatement, out: RouteEntry[], counter: RulePriorityCounter): void {
  for (const l of s.block ?? []) {
    env.loc = l.loc;
    const r = parseRule(env, l.words, counter);
    if (r) out.push(r);
  }
}
