/**
 * keepalived's `-d` / SIGUSR1 data dumps: global definitions, the VRRP
 * child's data, the checker child's data, and the parent's file.
 */
import type { KeepalivedConfig } from '../model/index.js';
import type { GlobalDumpOptions } from './global.js';
import type { VrrpInstanceRuntime } from './vrrp.js';
import { dumpVrrpData, type ProcessDumpOptions } from './process.js';

export { dumpGlobal, localCanonicalName, type GlobalDumpOptions } from './global.js';
export { dumpVrrpInstance, formatAddress, initialWantState, type VrrpInstanceRuntime, type InstanceDumpOptions } from './vrrp.js';
export { formatRoute, formatRule } from './vrrp-routes.js';
export * from './vrrp-tracking.js';
export * from './vrrp-net.js';
export * from './checker-runtime.js';
export { dumpCheckData, dumpSsl, dumpVs, formatRs, formatVs, initialRealServerState, initialVirtualServerState, LVS_VERSION } from './checker.js';
export { dumpHealthCheckers, effectiveCheckerSettings } from './checker-health.js';
export * from './format.js';
export * from './process.js';

export interface DumpOptions extends GlobalDumpOptions {
  /** Live state per instance (USR1 form); omit for the start-up (-d) configuration dump. */
  runtime?(instance: string): VrrpInstanceRuntime | undefined;
}

/**
 * The VRRP process's dump as one string (kept for existing callers): the USR1
 * form when `runtime` is given, otherwise the -d form.
 */
export function dumpConfig(config: KeepalivedConfig, opts: DumpOptions = {}): string {
  const { runtime, ...rest } = opts;
  const full: ProcessDumpOptions = { ...rest, ...(runtime ? { vrrp: { instance: runtime } } : {}) };
  return `${dumpVrrpData(config, runtime ? 'data' : 'startup', full).join('\n')}\n`;
}
