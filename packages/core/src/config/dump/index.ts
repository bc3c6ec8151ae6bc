/**
 * keepalived's `-d` / USR1 data dump text for the parts of the configuration
 * this layer owns: global definitions and VRRP instances (+ scripts).
 */
import type { KeepalivedConfig } from '../model/index.js';
import { dumpGlobal, type GlobalDumpOptions } from './global.js';
import { dumpVrrp, type VrrpInstanceRuntime } from './vrrp.js';

export { dumpGlobal, type GlobalDumpOptions } from './global.js';
export { dumpVrrp, dumpVrrpInstance, dumpVrrpScript, formatAddress, type VrrpInstanceRuntime } from './vrrp.js';

export interface DumpOptions extends GlobalDumpOptions {
  /** Live state per instance (USR1 form); omit for the start-up (-d) configuration dump. */
  runtime?(instance: string): VrrpInstanceRuntime | undefined;
}

/** The VRRP process's dump: global definitions then the VRRP topology, one line per '\n'. */
export function dumpConfig(config: KeepalivedConfig, opts: DumpOptions = {}): string {
  const lines = [...dumpGlobal(config.global, { process: 'vrrp', ...opts }), ...dumpVrrp(config, opts.runtime)];
  return `${lines.join('\n')}\n`;
}
