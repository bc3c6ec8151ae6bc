/**
 * virtual_server_group member lines (as the config model keeps them, words
 * as written) -> the checkers' group entries, with keepalived 2.2.7's
 * alloc_vsg_entry checks. Pure: problems come back as warnings and the
 * offending entry is skipped.
 */
import { isIP } from 'node:net';
import type { VirtualServerGroup } from '@keepalived-ts/core';
import type { VsGroupEntrySettings, VsGroupSettings } from '../model.js';
import { rangeEndAddress } from '../resolve.js';

const UINT32_MAX = 4294967295;

/** An IPv6 address as its eight 16-bit groups. */
function ipv6Groups(a: string): number[] {
  const [head, tail] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((x) => parseInt(x, 16));
}

/** The value of the last octet (IPv4) / last 16-bit group (IPv6): what a range varies. */
function lastPart(address: string): number {
  return isIP(address) === 4 ? Number(address.split('.')[3]) : ipv6Groups(address)[7]!;
}

/** Same address apart from the last octet / group. */
function samePrefix(a: string, b: string): boolean {
  if (isIP(a) === 4) return a.split('.').slice(0, 3).join('.') === b.split('.').slice(0, 3).join('.');
  const x = ipv6Groups(a);
  const y = ipv6Groups(b);
  return x.slice(0, 7).every((v, i) => v === y[i]);
}

function parsePort(word: string | undefined): number | undefined {
  if (word === undefined) return 0;
  if (!/^\d+$/.test(word)) return undefined;
  const n = Number(word);
  return n <= 65535 ? n : undefined;
}

/** One "ADDR[-END|/MASK] [PORT]" or "fwmark N [inet|inet6]" line; a string is the warning for a skipped line. */
export function parseGroupEntry(groupName: string, words: string[]): VsGroupEntrySettings | string {
  const first = words[0] ?? '';
  if (first === 'fwmark') {
    const w = words[1] ?? '';
    const fwmark = /^\d+$/.test(w) ? Number(w) : NaN;
    if (!(fwmark >= 0 && fwmark <= UINT32_MAX)) return `(${groupName}): fwmark '${w}' must be in [0, ${UINT32_MAX}] - ignoring`;
    const fam = words[2];
    if (fam === undefined) return { fwmark };
    if (fam === 'inet') return { fwmark, family: 4 };
    if (fam === 'inet6') return { fwmark, family: 6 };
    return `(${groupName}): fwmark '${fwmark}' family ${fam} unknown - ignoring`;
  }
  const port = parsePort(words[1]);
  const invalid = `Invalid virtual server group IP address ${first} ${words[1] !== undefined ? `/port/${words[1]}` : ''} - skipping`;
  if (port === undefined) return invalid;
  const slash = first.indexOf('/');
  if (slash >= 0) {
    const address = first.slice(0, slash);
    const family = isIP(address);
    const mask = /^\d+$/.test(first.slice(slash + 1)) ? Number(first.slice(slash + 1)) : NaN;
    if (!family) return invalid;
    const bits = family === 4 ? 32 : 128;
    if (!(mask >= 1 && mask <= bits)) return `Invalid netmask - ${first} - skipping`;
    // only masks inside the last octet/group map onto a range of the final part
    const hostBits = bits - mask;
    const partBits = family === 4 ? 8 : 16;
    if (hostBits > partBits) return `Address mask /${mask} wider than the last ${family === 4 ? 'octet' : '16-bit group'} is not supported - ${first} - skipping`;
    const last = lastPart(address);
    const hostMask = (1 << hostBits) - 1;
    if (last & hostMask) return `Address mask bits not empty - ${first} - skipping`;
    return hostBits ? { address, rangeEnd: last | hostMask, port } : { address, port };
  }
  const dash = first.indexOf('-');
  const address = dash >= 0 ? first.slice(0, dash) : first;
  const family = isIP(address);
  if (!family) return invalid;
  if (dash < 0) return { address, port };
  const tail = first.slice(dash + 1);
  let rangeEnd: number;
  if ((family === 4 && tail.includes('.')) || (family === 6 && tail.includes(':'))) {
    if (isIP(tail) !== family) return isIP(tail) ? `Range address families do not match ${first} - skipping` : `Invalid range end ${first} - skipping`;
    if (!samePrefix(address, tail)) return `Address range ${first} spans more than the last ${family === 4 ? 'octet' : '16-bit group'} - not supported - skipping`;
    rangeEnd = lastPart(tail);
  } else {
    const ok = family === 4 ? /^\d{1,3}$/.test(tail) : /^[0-9a-fA-F]{1,4}$/.test(tail);
    if (!ok) return invalid;
    rangeEnd = family === 4 ? Number(tail) : parseInt(tail, 16);
    if (family === 4 && rangeEnd > 255) return invalid;
  }
  if (rangeEnd < lastPart(address)) return `Address range end before start - ${first} - skipping`;
  return { address, rangeEnd, port };
}

/** The group's entries, or undefined when none is usable (keepalived then drops the virtual server). */
export function groupSettingsOf(group: VirtualServerGroup, warnings: string[]): VsGroupSettings | undefined {
  const entries: VsGroupEntrySettings[] = [];
  for (const words of group.entries) {
    const e = parseGroupEntry(group.name, words);
    if (typeof e === 'string') warnings.push(e);
    else entries.push(e);
  }
  return entries.length ? { name: group.name, entries } : undefined;
}

/** vsge_iseq: the same fwmark, or the same first address, last address and port. */
function sameEntry(a: VsGroupEntrySettings, b: VsGroupEntrySettings): boolean {
  if ('fwmark' in a || 'fwmark' in b) return 'fwmark' in a && 'fwmark' in b && a.fwmark === b.fwmark;
  return a.address === b.address && (a.rangeEnd ?? lastPart(a.address)) === (b.rangeEnd ?? lastPart(b.address)) && a.port === b.port;
}

function entryText(e: VsGroupEntrySettings, protocol: string, removed: boolean): string {
  if ('fwmark' in e) return removed ? `${e.fwmark}` : `FWM ${e.fwmark}`;
  const trio = `[${e.address}]:${protocol}:${e.port}`;
  return e.rangeEnd === undefined || e.rangeEnd === lastPart(e.address) ? trio : `${trio}-${rangeEndAddress(e.address, e.rangeEnd)}`;
}

/**
 * keepalived's reload texts for a group's members (clear_diff_vsge and
 * sync_service_vsg): "VS [...] in group NAME no longer exists" for each old
 * entry without an equal new one, "VS [...] added into group NAME" for each
 * new one. A changed range is a different entry to keepalived (removed and
 * added whole); the kernel reconciler itself only touches the difference.
 * The reload migration logs the removals in clear_diff_services' place and
 * the additions after the VS's real servers, as init_service_vs does.
 */
export function groupReloadLines(
  prev: VsGroupSettings, next: VsGroupSettings, prevProtocol: string, nextProtocol: string,
): { removed: string[]; added: string[] } {
  const order = (es: VsGroupEntrySettings[]) => [...es.filter((e) => 'address' in e), ...es.filter((e) => 'fwmark' in e)];
  const removed = order(prev.entries)
    .filter((e) => !next.entries.some((n) => sameEntry(e, n)))
    .map((e) => `VS [${entryText(e, prevProtocol, true)}] in group ${prev.name} no longer exists`);
  const added = order(next.entries)
    .filter((e) => !prev.entries.some((p) => sameEntry(e, p)))
    .map((e) => `VS [${entryText(e, nextProtocol, false)}] added into group ${next.name}`);
  return { removed, added };
}
