/** Parsers shared by several blocks: scripts, address lines, route lines, tracked-object lines. */
import type { ConfigStatement } from '../tree.js';
import type { IpAddressEntry, RouteEntry, ScriptCommand, TrackedObject } from '../model/common.js';
import type { KeywordEnv } from './types.js';
import { isIPv4, parseIpLiteral, readInt, readUnsigned } from './values.js';

/** The script of `keyword script args...` (quoted words already unquoted by the reader). */
export function scriptFrom(stmt: ConfigStatement, first = 1): ScriptCommand | undefined {
  let args = stmt.words.slice(first);
  // keepalived accepts the whole command as one quoted string: "'/bin/x' arg"
  if (args.length === 1 && stmt.quoted[first] && /\s/.test(args[0]!)) args = splitCommand(args[0]!);
  if (args.length === 0 || args[0] === '') return undefined;
  return { args, text: args.join(' ') };
}

function splitCommand(text: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** set_uid_gid: true when the user (and group, if given) resolve; logs keepalived's reasons otherwise. */
export function resolveScriptUser(env: KeywordEnv, user: string, group: string | undefined): boolean {
  if (!env.userExists(user)) {
    env.error(`Script user '${user}' does not exist`, 'log');
    return false;
  }
  if (group !== undefined && !env.groupExists(group)) {
    env.error(`Script group '${group}' does not exist`, 'log');
    return false;
  }
  return true;
}

const SCOPES = new Set(['global', 'site', 'link', 'host', 'nowhere', 'universe']);

/** One line of virtual_ipaddress & co (vrrp_ipaddress.c alloc_ipaddress); undefined = line skipped. */
export function parseAddressLine(env: KeywordEnv, words: string[], isStatic: boolean): IpAddressEntry | undefined {
  const first = words[0]!;
  const slash = first.indexOf('/');
  const addr = slash >= 0 ? first.slice(0, slash) : first;
  const family: 'inet' | 'inet6' = first.includes(':') ? 'inet6' : 'inet';
  let prefixLength = family === 'inet6' ? 128 : 32;
  if (slash >= 0) {
    const p = readUnsigned(env, first.slice(slash + 1), 0, prefixLength);
    if (p === undefined) env.error(`Invalid address prefix len ${first.slice(slash + 1)} for address ${first} - using ${prefixLength}`);
    else prefixLength = p;
  }
  if (parseIpLiteral(addr) !== family) {
    env.error(`VRRP parsed invalid IP ${first}. skipping IP...`);
    return undefined;
  }
  const entry: IpAddressEntry = {
    family, address: addr, prefixLength, home: false, noDad: false, mngTmpAddr: false, noPrefixRoute: false,
    autoJoin: false, noTrack: false, useVmac: false, text: words.join(' '),
  };
  let brd: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const takesParam = ['dev', 'scope', 'broadcast', 'brd', 'label', 'peer', 'preferred_lft', 'track_group'].includes(w);
    if (takesParam && i + 1 >= words.length && (w !== 'track_group' || isStatic)) {
      env.error(`No ${w} parameter specified for ${first}`);
      return undefined;
    }
    switch (w) {
      case 'dev': {
        const dev = words[++i]!;
        if (entry.dev !== undefined) {
          env.error(`Cannot specify ipaddress device more than once for ${first}`);
          return undefined;
        }
        if (!env.interfaceExists(dev) && !env.config.global.dynamicInterfaces) {
          env.nonExistentInterface = true;
          env.error(`WARNING - interface ${dev} for ip address ${first} doesn't exist`);
          return undefined;
        }
        entry.dev = dev;
        break;
      }
      case 'scope': {
        const s = words[++i]!;
        if (SCOPES.has(s) || (/^\d+$/.test(s) && Number(s) <= 255)) entry.scope = s;
        else env.error(`Invalid scope '${s}' specified for ${first} - ignoring`);
        break;
      }
      case 'broadcast':
      case 'brd': {
        if (family === 'inet6') {
          env.error(`VRRP is trying to assign a broadcast ${w} to the IPv6 address ${first} !!?? WTF... skipping VIP...`);
          return undefined;
        }
        const b = words[++i]!;
        if (b !== '+' && b !== '-' && !isIPv4(b)) {
          env.error(`VRRP is trying to assign invalid broadcast ${b}. skipping VIP...`);
          return undefined;
        }
        brd = b;
        break;
      }
      case 'label': {
        const l = words[++i]!;
        if (l.length >= 16) {
          env.error(`Address label ${l} is longer than maximum length 15 - removing address`);
          return undefined;
        }
        entry.label = l;
        break;
      }
      case 'peer': {
        const p = words[++i]!;
        if (entry.peer !== undefined) env.error(`Peer ${p} - another peer has already been specified`);
        else if (!parseIpLiteral(p)) env.error(`Invalid peer address ${p}`);
        else if (parseIpLiteral(p) !== family) env.error(`Peer address ${p} does not match address family`);
        else {
          if (prefixLength !== (family === 'inet6' ? 128 : 32))
            env.error('Cannot specify address prefix when specifying peer address - ignoring');
          entry.peer = p;
        }
        break;
      }
      case 'home': entry.home = true; break;
      case '-nodad': entry.noDad = true; break;
      case 'mngtmpaddr': entry.mngTmpAddr = true; break;
      case 'noprefixroute': entry.noPrefixRoute = true; break;
      case 'autojoin': entry.autoJoin = true; break;
      case 'no_track': entry.noTrack = true; break;
      case 'preferred_lft': {
        const v = words[++i]!;
        if (v === 'forever') entry.preferredLft = 0xffffffff;
        else {
          const n = readUnsigned(env, v, 0, 0xffffffff);
          if (n === undefined) env.error(`preferred_lft ${v} is invalid`);
          else entry.preferredLft = n;
        }
        break;
      }
      case 'track_group':
        if (isStatic) entry.trackGroup = words[++i];
        else env.error(`Unknown configuration entry '${w}' for ip address - ignoring`);
        break;
      case 'use_vmac':
        if (!isStatic) entry.useVmac = true;
        else env.error(`Unknown configuration entry '${w}' for ip address - ignoring`);
        break;
      default:
        env.error(`Unknown configuration entry '${w}' for ip address - ignoring`);
    }
  }
  if (brd !== undefined) {
    if (entry.peer) env.error('Cannot specify broadcast and peer addresses - ignoring broadcast address');
    else if (brd === '+' || brd === '-') {
      if (prefixLength <= 30) entry.broadcast = computeBroadcast(entry.address, prefixLength, brd === '+');
      else env.error(`Address prefix length ${prefixLength} too long for broadcast`);
    } else entry.broadcast = brd;
  }
  if (family === 'inet6') {
    if (entry.scope !== undefined) {
      env.error(`Cannot specify scope for IPv6 addresses (${first}) - ignoring scope`);
      delete entry.scope;
    }
    if (entry.label !== undefined) {
      env.error(`Cannot specify label for IPv6 addresses (${first}) - ignoring label`);
      delete entry.label;
    }
    if (entry.preferredLft === undefined) entry.preferredLft = prefixLength === 128 ? 0 : 0xffffffff;
  }
  return entry;
}

function computeBroadcast(addr: string, prefix: number, plus: boolean): string {
  const n = addr.split('.').reduce((acc, o) => (acc << 8) | Number(o), 0) >>> 0;
  const host = prefix === 0 ? 0xffffffff : (0xffffffff >>> prefix) >>> 0;
  const v = (plus ? (n | host) : (n & ~host)) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** `NAME [weight W [reverse]]` lines of track_* blocks (vrrp_track.c). */
export function parseTrackLine(
  env: KeywordEnv, owner: string, words: string[], what: string, range: [number, number],
): TrackedObject | undefined {
  const name = words[0]!;
  const obj: TrackedObject = { name, reverse: false };
  if (words.length >= 2) {
    if (words[1] !== 'weight') {
      env.error(`(${owner}) unknown ${what} option ${words[1]} - ignoring`);
      return undefined;
    }
    if (words.length === 2) {
      env.error(`(${owner}) weight without value specified for ${what} ${name} - ignoring`);
      return undefined;
    }
    const w = readInt(env, words[2]!, range[0], range[1]);
    if (w === undefined) env.error(`(${owner}) weight ${words[2]} for ${name} must be between [${range[0] + 1}..${range[1] - 1}] inclusive. Ignoring...`);
    else if (Math.abs(w) === 254) {
      env.error(`(${owner}) weight for ${name} cannot be +/-254. Setting to +/-253`);
      obj.weight = w < 0 ? -253 : 253;
    } else obj.weight = w;
    if (words.length >= 4) {
      if (words[3] === 'reverse') obj.reverse = true;
      else env.error(`(${owner}) unknown ${what} ${name} weight option ${words[3]} - ignoring`);
    }
  }
  return obj;
}
