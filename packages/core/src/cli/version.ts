import { readFileSync } from 'node:fs';
import os from 'node:os';

/** keepalived's version_string: log lines ("Starting ...") carry it verbatim, log parsers key on it. */
export const KEEPALIVED_VERSION_STRING = 'Keepalived v2.2.7 (01/16,2022)';
export const KEEPALIVED_COPYRIGHT = 'Copyright(C) 2001-2022 Alexandre Cassen, <acassen@gmail.com>';
/** The kernel headers Debian's keepalived 2.2.7 was built with; its start-up line compares against it. */
export const BUILT_FOR_KERNEL = { major: 5, minor: 19, release: 11 } as const;
export const IMPLEMENTATION = 'keepalived-ts 0.1.0';

/** uname(2) as keepalived uses it. */
export interface Uname {
  sysname: string;
  release: string;
  version: string;
  nodename: string;
}

export function currentUname(): Uname {
  return { sysname: os.type(), release: os.release(), version: os.version(), nodename: os.hostname() };
}

/** PRETTY_NAME from os-release, unquoted as keepalived's report_distro() does it. */
export function readDistro(path = '/etc/os-release'): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('PRETTY_NAME=')) continue;
    let name = line.slice('PRETTY_NAME='.length);
    if (name.startsWith('"')) name = name.slice(1);
    if (name.endsWith('"')) name = name.slice(0, -1);
    return name;
  }
  return undefined;
}

/**
 * -v/--version: keepalived's banner layout (to stderr, exit 0), but naming
 * this implementation: what a script reads from the first line
 * ("Keepalived v2.2.7") stays true, and nothing claims a C build.
 */
export function versionText(uname: Uname = currentUname(), distro = readDistro()): string {
  let s = `Keepalived v2.2.7 (${IMPLEMENTATION})\n\n`;
  s += `A TypeScript reimplementation of ${KEEPALIVED_VERSION_STRING}\n`;
  s += `${KEEPALIVED_COPYRIGHT}\n\n`;
  s += `Running on ${uname.sysname} ${uname.release} ${uname.version}\n`;
  if (distro !== undefined) s += `Distro: ${distro}\n`;
  s += `Node.js ${process.version}\n`;
  return s;
}
