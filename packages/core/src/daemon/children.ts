import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChildRole } from '../process/ipc.js';

/**
 * Where the children's entry points are. The parent forks them by path and
 * never imports them (core must not depend on vrrp or checkers). The layout is
 * the same in the source tree and in an installation:
 * packages/core/dist/src/daemon/ -> packages/<pkg>/dist/src/child/main.js
 */
const ENTRY: Record<ChildRole, string> = {
  vrrp: '../../../../vrrp/dist/src/child/main.js',
  checker: '../../../../checkers/dist/src/child/main.js',
};

export function childEntry(role: ChildRole): string | undefined {
  const path = fileURLToPath(new URL(ENTRY[role], import.meta.url));
  return existsSync(path) ? path : undefined;
}

/** The checkers package's genhash module (for `keepalived -T`), also reached by path. */
export function genhashModule(): string | undefined {
  const path = fileURLToPath(new URL('../../../../checkers/dist/src/genhash.js', import.meta.url));
  return existsSync(path) ? path : undefined;
}
