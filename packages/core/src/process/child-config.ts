import { hostname } from 'node:os';
import type { CliOptions } from '../cli/options.js';
import { DEFAULT_CONFIG_FILE } from '../config/default-file.js';
import { buildConfig } from '../config/build.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import type { KeepalivedConfig } from '../config/model/index.js';
import { readConfigTree } from '../config/reader/index.js';
import { ExitCode } from '../exit-codes.js';
import { RUSAGE_CHILDREN, type NativeBinding } from '@keepalived-ts/native';

export type ChildConfigLoad =
  | { ok: true; config: KeepalivedConfig; messages: string[] }
  | { ok: false; exitCode: number; messages: string[] };

/**
 * Reads and builds the configuration as a child process sees it, with
 * keepalived's exit codes: no usable file -> NO_CONFIG, a missing keyword
 * parameter (and, for the VRRP child, a non-existent interface) -> CONFIG.
 */
export function loadChildConfig(o: CliOptions, opts: { badInterfaceIsFatal: boolean }): ChildConfigLoad {
  const file = o.configFile ?? DEFAULT_CONFIG_FILE;
  const configId = o.configId ?? hostname().split('.')[0]!;
  const read = readConfigTree(file, { configId, includeMissingIsError: o.allConfig });
  const messages = read.diagnostics.map(formatDiagnostic);
  if (read.configMissing || read.configFileError) return { ok: false, exitCode: ExitCode.NO_CONFIG, messages };
  const built = buildConfig(read.tree);
  messages.push(...built.diagnostics.map(formatDiagnostic));
  const badIf = opts.badInterfaceIsFatal && built.diagnostics.some((d) => d.message === 'Non-existent interface specified in configuration');
  // A missing keyword parameter makes keepalived exit at once (exit code 2 from buildConfig).
  if (badIf || built.exitCode === ExitCode.CONFIG) return { ok: false, exitCode: ExitCode.CONFIG, messages };
  return { ok: true, config: built.config, messages };
}

const secUsec = (us: number): string => `${Math.floor(us / 1e6)}.${String(Math.floor(us % 1e6)).padStart(6, '0')}`;

/**
 * keepalived's log_stopping() for a child process: with -D its CPU time,
 * and that of its reaped scripts when there was any.
 */
export function childStoppedLine(detail: number, children?: { user: number; system: number }): string {
  if (detail === 0) return 'Stopped';
  const u = process.resourceUsage();
  if (children && children.user > 0) {
    return `Stopped - used (self/children) ${secUsec(u.userCPUTime)}/${secUsec(children.user)} user time, ${secUsec(u.systemCPUTime)}/${secUsec(children.system)} system time`;
  }
  return `Stopped - used ${secUsec(u.userCPUTime)} user time, ${secUsec(u.systemCPUTime)} system time`;
}

/** getrusage(RUSAGE_CHILDREN) through the native shim (or its loader), when it has the call; a stop line never fails on it. */
export function childrenCpuTimes(native: NativeBinding | (() => NativeBinding) | undefined): { user: number; system: number } | undefined {
  try {
    const binding = typeof native === 'function' ? native() : native;
    const r = binding?.getrusage?.(RUSAGE_CHILDREN);
    return r ? { user: r[0], system: r[1] } : undefined;
  } catch {
    return undefined;
  }
}
