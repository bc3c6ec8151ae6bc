/**
 * The parts of @keepalived-ts/core the VRRP child uses. core's package index
 * does not re-export them (yet), and its "exports" map closes deep imports, so
 * they are loaded from core's compiled output by path. The types come from
 * core's declarations through the project reference.
 * TODO(integrator): once packages/core/src/index.ts re-exports config/build,
 * config/reader, cli/options, cli/startup, log, notify and process, replace the
 * loads below with plain `export ... from '@keepalived-ts/core'`.
 */
import type * as BuildModule from '../../../core/src/config/build.js';
import type * as ReaderModule from '../../../core/src/config/reader/index.js';
import type * as DiagnosticsModule from '../../../core/src/config/diagnostics.js';
import type * as OptionsModule from '../../../core/src/cli/options.js';
import type * as StartupModule from '../../../core/src/cli/startup.js';
import type * as LogModule from '../../../core/src/log/index.js';
import type * as NotifyModule from '../../../core/src/notify/index.js';
import type * as ProcessModule from '../../../core/src/process/index.js';
import type * as ModelModule from '../../../core/src/config/model/index.js';

/** packages/core/dist/src/, from this file's compiled location packages/vrrp/dist/src/runtime/. */
const coreDist = new URL('../../../../core/dist/src/', import.meta.url);

async function load<T>(rel: string): Promise<T> {
  return (await import(new URL(rel, coreDist).href)) as T;
}

export const build = await load<typeof BuildModule>('config/build.js');
export const reader = await load<typeof ReaderModule>('config/reader/index.js');
export const diagnostics = await load<typeof DiagnosticsModule>('config/diagnostics.js');
export const cliOptions = await load<typeof OptionsModule>('cli/options.js');
export const startup = await load<typeof StartupModule>('cli/startup.js');
export const log = await load<typeof LogModule>('log/index.js');
export const notify = await load<typeof NotifyModule>('notify/index.js');
export const processApi = await load<typeof ProcessModule>('process/index.js');

export type KeepalivedConfig = ModelModule.KeepalivedConfig;
export type ConfigVrrpInstance = ModelModule.VrrpInstance;
export type ConfigVrrpScript = ModelModule.VrrpScript;
export type ConfigVrrpSyncGroup = ModelModule.VrrpSyncGroup;
export type IpAddressEntry = ModelModule.IpAddressEntry;
export type RouteEntry = ModelModule.RouteEntry;
export type ScriptCommand = ModelModule.ScriptCommand;
export type CliOptions = OptionsModule.CliOptions;
export type Logger = LogModule.Logger;
export type Diagnostic = DiagnosticsModule.Diagnostic;
export type ChildMessage = ProcessModule.ChildMessage;
export type DumpKind = ProcessModule.DumpKind;
export type NotifyFifo = NotifyModule.NotifyFifo;
