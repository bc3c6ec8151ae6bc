/**
 * The CLI's view of the configuration layers (reader, keyword builder,
 * dumper). They are loaded on demand, so -h, -v and --signum work even in a
 * tree where a configuration layer is broken, and tests can substitute them.
 */
import type { Diagnostic } from '../config/diagnostics.js';
import type { ConfigTree } from '../config/tree.js';

export interface ReadOptions {
  /** -i, or the host name up to its first '.'. */
  configId: string;
  /** -e: a missing file is an error (keepalived's include check). */
  includeMissingIsError: boolean;
}

export interface ConfigRead {
  tree: ConfigTree;
  diagnostics: Diagnostic[];
  /** check_conf_file() failed: no usable main file, nothing was read. */
  configMissing?: boolean;
  /** A file error made fatal by include checks (-e): keepalived does not use this configuration. */
  configFileError?: boolean;
}

export interface ConfigBuilt {
  config: unknown;
  diagnostics: Diagnostic[];
}

export interface ConfigApi {
  read(path: string, options: ReadOptions): Promise<ConfigRead>;
  build(tree: ConfigTree): Promise<ConfigBuilt>;
  /** keepalived -d's dump lines; undefined when no dumper is present. */
  dump?(config: unknown): Promise<string[]>;
}

type AnyFn = (...args: unknown[]) => unknown;

/** Splits a layer's return value into the value and the diagnostics it carries, whatever the exact shape. */
function withDiagnostics(result: unknown, valueKey: 'tree' | 'config'): { value: unknown; diagnostics: Diagnostic[] } {
  const r = result as Record<string, unknown> | undefined;
  let diagnostics: Diagnostic[] = [];
  const d = r?.['diagnostics'] ?? r?.['sink'];
  if (Array.isArray(d)) diagnostics = d as Diagnostic[];
  else if (d && Array.isArray((d as { items?: unknown }).items)) diagnostics = (d as { items: Diagnostic[] }).items;
  const value = r && valueKey in r ? r[valueKey] : result;
  return { value, diagnostics };
}

async function importOptional(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

/** The real layers: config/reader/index.js, config/build.js and (if present) config/dump/index.js. */
export async function loadConfigApi(): Promise<ConfigApi> {
  const reader = await importOptional('../config/reader/index.js');
  const builder = await importOptional('../config/build.js');
  const dumper = await importOptional('../config/dump/index.js');
  const readConfigTree = reader?.['readConfigTree'] as AnyFn | undefined;
  const buildConfig = builder?.['buildConfig'] as AnyFn | undefined;
  const dumpConfig = dumper?.['dumpConfig'] as AnyFn | undefined;
  if (!readConfigTree || !buildConfig) {
    throw new Error('the configuration reader/builder (config/reader, config/build) is not available in this build');
  }
  const api: ConfigApi = {
    async read(path, options) {
      const result = await readConfigTree(path, options);
      const { value, diagnostics } = withDiagnostics(result, 'tree');
      const flags = result as { configMissing?: unknown; configFileError?: unknown };
      return {
        tree: value as ConfigTree,
        diagnostics,
        configMissing: flags.configMissing === true,
        configFileError: flags.configFileError === true,
      };
    },
    async build(tree) {
      const { value, diagnostics } = withDiagnostics(await buildConfig(tree), 'config');
      return { config: value, diagnostics };
    },
  };
  if (dumpConfig) {
    api.dump = async (config) => {
      const out = await dumpConfig(config);
      if (typeof out === 'string') return out.replace(/\n$/, '').split('\n');
      return out as string[];
    };
  }
  return api;
}
