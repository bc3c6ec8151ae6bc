/**
 * Whole dumps per process: the USR1 data files (keepalived_parent.data,
 * keepalived.data, keepalived_check.data) and the -d start-up dump.
 *
 * With -d keepalived logs (conf_write with no file) from the child processes
 * only: the VRRP child calls dump_data_vrrp at the end of start_vrrp and the
 * checker child dump_data_check at the end of start_check; the parent prints
 * nothing. Each line is one log message.
 */
import type { KeepalivedConfig } from '../model/index.js';
import { dumpGlobal, type GlobalDumpOptions } from './global.js';
import { dumpCheckData } from './checker.js';
import type { CheckerDumpRuntime } from './checker-runtime.js';
import type { ScriptFormatOptions } from './format.js';
import { dumpVrrpInstance, formatAddress, type VrrpInstanceRuntime } from './vrrp.js';
import { formatRoute, formatRule } from './vrrp-routes.js';
import { dumpGarpDelays, dumpInterface, dumpSockpool, type GarpDelayRuntime, type VrrpInterfaceRuntime, type VrrpSocketRuntime } from './vrrp-net.js';
import {
  dumpStaticTrackGroups, dumpSyncGroup, dumpTrackFiles, dumpTrackProcesses, dumpVrrpScripts, type DumpMode, type VrrpTrackingRuntime,
} from './vrrp-tracking.js';

/** Everything the VRRP child knows that the configuration does not. */
export interface VrrpDumpRuntime extends VrrpTrackingRuntime {
  instance?(name: string): VrrpInstanceRuntime | undefined;
  /** Socket pool (data mode; empty at -d time, sockets open after the dump). */
  sockets?: VrrpSocketRuntime[];
  /** keepalived's interface queue; the section is left out without it. */
  interfaces?: VrrpInterfaceRuntime[];
  /** GARP delay groups; the section is left out without it. */
  garpDelays?: GarpDelayRuntime[];
  /** Static addresses / routes currently installed ("set"). */
  staticAddressSet?(index: number): boolean;
}

export interface ProcessDumpOptions extends ScriptFormatOptions, Omit<GlobalDumpOptions, 'process'> {
  vrrp?: VrrpDumpRuntime;
  checker?: CheckerDumpRuntime;
}

/** Preference keepalived gives rules without one: 16384 counting down, per family, in parse order. */
function rulePriorities(config: KeepalivedConfig): Map<object, number> {
  const next = { inet: 16384, inet6: 16384 };
  const out = new Map<object, number>();
  const rules = [...config.staticRules, ...config.vrrpInstances.flatMap((i) => i.virtualRules)];
  for (const r of rules) {
    if (r.words.some((w) => ['preference', 'pref', 'priority', 'order'].includes(w))) continue;
    const fam = r.family ?? (r.words.some((w) => w.includes(':')) ? 'inet6' : 'inet');
    out.set(r, next[fam]--);
  }
  return out;
}

/** dump_data_vrrp: global definitions, GARP delays, VRRP data, interfaces. */
export function dumpVrrpData(config: KeepalivedConfig, mode: DumpMode, opts: ProcessDumpOptions = {}): string[] {
  const rt = opts.vrrp;
  const out = dumpGlobal(config.global, { ...opts, process: 'vrrp' });
  if (rt?.garpDelays?.length) out.push('------< Gratuitous ARP delays >------', ...dumpGarpDelays(rt.garpDelays));
  if (config.staticIpaddress.length) {
    out.push('------< Static Addresses >------',
      ...config.staticIpaddress.map((a, n) => `     ${formatAddress(a, a.dev ?? '(null)', rt?.staticAddressSet?.(n) ?? true)}`));
  }
  if (config.staticRoutes.length) out.push('------< Static Routes >------', ...config.staticRoutes.map((r) => `     ${formatRoute(r)}`));
  const prio = rulePriorities(config);
  const rule = (r: (typeof config.staticRules)[number]): string => formatRule(r, prio.get(r));
  if (config.staticRules.length) out.push('------< Static Rules >------', ...config.staticRules.map((r) => `     ${rule(r)}`));
  if (config.staticTrackGroups.length) out.push('------< Static Track groups >------', ...dumpStaticTrackGroups(config));
  if (config.vrrpInstances.length) {
    out.push('------< VRRP Topology >------');
    for (const i of config.vrrpInstances) {
      out.push(...dumpVrrpInstance(i, rt?.instance?.(i.name), { ...opts, mode, config, rulePriority: (r) => prio.get(r) }));
    }
  }
  if (mode === 'data' && rt?.sockets?.length) out.push('------< VRRP Sockpool >------', ...dumpSockpool(rt.sockets));
  if (config.vrrpSyncGroups.length) {
    out.push('------< VRRP Sync groups >------', ...config.vrrpSyncGroups.flatMap((g) => dumpSyncGroup(g, config, rt?.syncGroup?.(g.name), opts)));
  }
  if (config.vrrpScripts.length) out.push('------< VRRP Scripts >------', ...dumpVrrpScripts(config, rt, opts));
  if (config.trackFiles.length) out.push('------< VRRP Track files >------', ...dumpTrackFiles(config, rt));
  if (config.trackProcesses.length) out.push('------< VRRP Track processes >------', ...dumpTrackProcesses(config, rt, mode));
  if (rt?.interfaces?.length) out.push('------< Interfaces >------', ...rt.interfaces.flatMap(dumpInterface));
  return out;
}

/** dump_data_check: global definitions then the LVS topology and health checkers. */
export function dumpCheckerData(config: KeepalivedConfig, opts: ProcessDumpOptions = {}): string[] {
  return [...dumpGlobal(config.global, { ...opts, process: 'checker' }), ...dumpCheckData(config, opts.checker, opts)];
}

/** print_parent_data: keepalived_parent.data holds only the global definitions. */
export function dumpParentData(config: KeepalivedConfig, opts: ProcessDumpOptions = {}): string[] {
  return dumpGlobal(config.global, { ...opts, process: 'parent' });
}

export type DumpProcess = 'parent' | 'vrrp' | 'checker';

/**
 * The lines `keepalived -d` logs at start-up in the given process (each one
 * log message at LOG_INFO). The parent logs none. The VRRP child needs the
 * interface queue and GARP groups from its runtime to print those sections.
 */
export function dumpForProcess(process: DumpProcess, config: KeepalivedConfig, runtime: ProcessDumpOptions = {}): string[] {
  if (process === 'parent') return [];
  if (process === 'vrrp') return dumpVrrpData(config, 'startup', runtime);
  return dumpCheckerData(config, runtime);
}

/** File name and text of the USR1 data file of each process. */
export function dataFileForProcess(process: DumpProcess, config: KeepalivedConfig, runtime: ProcessDumpOptions = {}): { file: string; text: string } {
  const lines = process === 'parent' ? dumpParentData(config, runtime)
    : process === 'vrrp' ? dumpVrrpData(config, 'data', runtime) : dumpCheckerData(config, runtime);
  const file = process === 'parent' ? 'keepalived_parent.data' : process === 'vrrp' ? 'keepalived.data' : 'keepalived_check.data';
  return { file, text: `${lines.join('\n')}\n` };
}
