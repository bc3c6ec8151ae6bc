/**
 * The CLI's view of the configuration layers (reader, keyword builder,
 * dumper), behind an interface so tests can substitute them.
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

/**
 * The real layers, imported on first use so that -h, -v and --signum never
 * pay for loading them.
 */
export async function loadConfigApi(): Promise<ConfigApi> {
  const [{ readConfigTree }, { buildConfig }, { dumpConfig }] = await Promise.all([
    import('../config/reader/index.js'),
    import('../config/build.js'),
    import('../config/dump/index.js'),
  ]);
  return {
    async read(path, options) {
      const { tree, diagnostics, configMissing, configFileError } = readConfigTree(path, options);
      return { tree, diagnostics, configMissing, configFileError };
    },
    async build(tree) {
      const { config, diagnostics } = buildConfig(tree, { validateSchema: true });
      return { config, diagnostics };
    },
    async dump(config) {
      return dumpConfig(config as Parameters<typeof dumpConfig>[0]).replace(/\n$/, '').split('\n');
    },
  };
}
