/**
 * keepalived's canonical text of a route / rule (format_iproute, format_iprule)
 * from the words of a virtual_routes / static_routes / *_rules line. Covers the
 * keywords keepalived configurations use in practice; anything else is
 * appended as written.
 */
import type { RouteEntry } from '../model/index.js';

const RTPROT_KEEPALIVED = 18;
const SCOPE_NUMBERS: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat']);
const TABLE_NAMES: Record<string, number> = { default: 253, main: 254, local: 255 };

/** ipaddresstos: a host prefix is printed without its length. */
function stripHostPrefix(addr: string): string {
  const m = /^(.*)\/(\d+)$/.exec(addr);
  if (!m) return addr;
  const host = m[1]!.includes(':') ? 128 : 32;
  return Number(m[2]) === host ? m[1]! : addr;
}

const tableNumber = (t: string): string => String(TABLE_NAMES[t] ?? t);

export function formatRoute(r: RouteEntry): string {
  const words = r.words;
  const opt = new Map<string, string>();
  let dst: string | undefined;
  let type = 'unicast';
  let op: 'add' | 'append' | 'prepend' = 'prepend';
  let noTrack = r.noTrack;
  let onlink = false;
  for (let k = 0; k < words.length; k++) {
    const word = words[k]!;
    if (word === 'add' || word === 'append' || word === 'prepend') op = word;
    else if (word === 'no_track') noTrack = true;
    else if (word === 'onlink') onlink = true;
    else if (ROUTE_TYPES.has(word) && dst === undefined) type = word;
    else if (['via', 'gw', 'dev', 'oif', 'src', 'from', 'table', 'metric', 'preference', 'priority', 'scope', 'protocol', 'proto', 'tos', 'dsfield', 'mtu', 'advmss', 'track_group', 'realm', 'initcwnd', 'initrwnd', 'hoplimit', 'window'].includes(word)) {
      const next = words[++k];
      if (next === 'inet' || next === 'inet6') opt.set(word, words[++k] ?? '');
      else opt.set(word, next ?? '');
    } else if (word === 'to') dst = words[++k];
    else if (dst === undefined) dst = word;
  }
  // keepalived adds non-unicast routes with NLM_F_EXCL ("add"): they have no nexthop to prepend to
  if (type !== 'unicast' && op === 'prepend') op = 'add';
  const dev = opt.get('dev') ?? opt.get('oif');
  // a route keepalived cannot tie to an interface is never tracked
  if (!dev && !opt.get('via') && !opt.get('gw')) noTrack = true;
  let s = `${op} `;
  if (type !== 'unicast') s += `${type} `;
  s += dst && dst !== 'default' ? stripHostPrefix(dst) : 'default';
  if (opt.has('from')) s += ` from ${stripHostPrefix(opt.get('from')!)}`;
  if (opt.has('src')) s += ` src ${opt.get('src')}`;
  const tos = opt.get('tos') ?? opt.get('dsfield');
  if (tos !== undefined) s += ` tos ${Number(tos)}`;
  const via = opt.get('via') ?? opt.get('gw');
  if (via) s += ` via ${via.includes(':') ? 'inet6' : 'inet'} ${via}`;
  if (dev) s += ` dev ${dev}`;
  const table = opt.get('table');
  if (table !== undefined && tableNumber(table) !== '254') s += ` table ${tableNumber(table)}`;
  const proto = opt.get('protocol') ?? opt.get('proto');
  if (proto !== undefined) s += ` proto ${proto}`;
  else if (!r.noTrack && !words.includes('no_track')) s += ` proto ${RTPROT_KEEPALIVED}`;
  const scope = opt.get('scope');
  if (scope !== undefined) s += ` scope ${SCOPE_NUMBERS[scope] ?? scope}`;
  const metric = opt.get('metric') ?? opt.get('preference') ?? opt.get('priority');
  if (metric !== undefined) s += ` metric ${metric}`;
  if (onlink && !(dst ?? '').includes(':')) s += ' onlink';
  for (const key of ['mtu', 'advmss', 'hoplimit', 'initcwnd', 'initrwnd', 'window']) if (opt.has(key)) s += ` ${key} ${opt.get(key)}`;
  if (noTrack) s += ' no_track';
  if (opt.has('track_group')) s += ` track_group ${opt.get('track_group')}`;
  return s;
}

/** format_iprule(); `defaultPriority` is the preference keepalived assigned to a rule without one. */
export function formatRule(r: RouteEntry, defaultPriority?: number): string {
  const words = r.words;
  const opt = new Map<string, string>();
  let invert = false;
  let noTrack = r.noTrack;
  let action: string | undefined;
  for (let k = 0; k < words.length; k++) {
    const word = words[k]!;
    if (word === 'not') invert = true;
    else if (word === 'no_track') noTrack = true;
    else if (['blackhole', 'prohibit', 'unreachable', 'nop'].includes(word)) action = word;
    else if (word === 'lookup' || word === 'table') opt.set('table', words[++k] ?? '');
    else if (word === 'preference' || word === 'pref' || word === 'priority' || word === 'order') opt.set('priority', words[++k] ?? '');
    else opt.set(word, words[++k] ?? '');
  }
  const from = opt.get('from');
  const to = opt.get('to');
  let s = '';
  if (!from && !to && r.family === 'inet6') s += 'inet6 ';
  if (invert) s += 'not ';
  s += from && from !== 'all' ? `from ${stripHostPrefix(from)}` : 'from all';
  if (to && to !== 'all') s += ` to ${stripHostPrefix(to)}`;
  const prio = opt.get('priority') ?? (defaultPriority !== undefined ? String(defaultPriority) : undefined);
  if (prio !== undefined) s += ` priority ${prio}`;
  s += ` tos 0x${Number(opt.get('tos') ?? opt.get('dsfield') ?? 0).toString(16)}`;
  if (opt.has('fwmark')) {
    const [mark, mask] = opt.get('fwmark')!.split('/');
    s += ` fwmark 0x${Number(mark).toString(16)}`;
    if (mask && Number(mask) !== 0xffffffff) s += `/0x${Number(mask).toString(16)}`;
  }
  if (opt.has('iif')) s += ` iif ${opt.get('iif')}`;
  if (opt.has('oif')) s += ` oif ${opt.get('oif')}`;
  if (opt.has('suppress_prefixlength')) s += ` suppress_prefixlen ${opt.get('suppress_prefixlength')}`;
  s += ` protocol ${opt.get('protocol') ?? RTPROT_KEEPALIVED}`;
  if (opt.has('table')) s += ` lookup ${tableNumber(opt.get('table')!)}`;
  else if (opt.has('goto')) s += ` goto ${opt.get('goto')}`;
  else if (action === 'nop') s += ' nop';
  else if (action) s += ` type ${action}`;
  if (noTrack) s += ' no_track';
  if (opt.has('track_group')) s += ` track_group ${opt.get('track_group')}`;
  return s;
}
