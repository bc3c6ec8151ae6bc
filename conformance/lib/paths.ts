import './production-env.js';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (this file compiles to conformance/dist/lib/). */
export const repoRoot = resolve(here, '../../..');
export const ourKeepalived = resolve(repoRoot, 'bin/keepalived');
export const refKeepalived = '/usr/sbin/keepalived';
export const fixtures = resolve(repoRoot, 'conformance/fixtures');
export const debianSamples = '/usr/share/doc/keepalived/samples';
