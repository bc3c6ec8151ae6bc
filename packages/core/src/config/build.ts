/**
 * ConfigTree -> typed KeepalivedConfig, with keepalived's diagnostics.
 *
 * keepalived parses the file once per process (parent, checker, vrrp, bfd)
 * and `-t` validates in that order, so a message can be printed several
 * times. We walk once, tag each diagnostic with the process that would have
 * reported it, and emit each distinct message once, in keepalived's order
 * of first appearance.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ConfigTree, SourceLocation } from './tree.js';
import type { Diagnostic } from './diagnostics.js';
import { KeepalivedConfig, defaultGlobalDefs } from './model/index.js';
import { EXIT_FOR_KIND, MissingParameterError, type ErrorKind, type KeywordEnv } from './keywords/types.js';
import { walkBlock } from './keywords/walk.js';
import { rootKeywords, type RootState } from './keywords/root.js';
import { completeVrrp } from './validate/vrrp.js';
import { completeVirtualServers } from './validate/checker.js';
import { checkCheckerScriptSecurity, checkStartupScriptSecurity, defaultScriptAccessible } from './validate/scripts.js';

export interface BuildContext {
  /** Whether a user / group name resolves (default: /etc/passwd, /etc/group). */
  userExists?(name: string): boolean;
  groupExists?(name: string): boolean;
  /** Whether a network interface exists. Default: /sys/class/net/<name> exists. */
  interfaceExists?(name: string): boolean;
  /** Whether a script path (or bare name, searched in PATH) exists and is executable. */
  scriptAccessible?(path: string): boolean;
  /**
   * Also check the result against the zod schema (default false: the build
   * constructs conforming values, and a full parse of 10,000 instances costs
   * about as much as the build itself). Tests and `-t` can turn it on.
   */
  validateSchema?: boolean;
}

export interface BuildResult {
  config: KeepalivedConfig;
  diagnostics: Diagnostic[];
  /** The `keepalived -t` exit code these diagnostics call for (ConfigTestExit, or 2 for a missing parameter). */
  exitCode: number;
}

type Phase = 'parent' | 'checker' | 'vrrp' | 'bfd';
const PHASE_ORDER: Record<Phase, number> = { parent: 0, checker: 1, vrrp: 2, bfd: 3 };

// track_file is parsed by the checker process too (FILE_CHECK), which runs first under -t
const CHECKER_ROOTS = new Set(['virtual_server', 'virtual_server_group', 'SSL', 'track_file', 'vrrp_track_file']);
const BFD_ROOTS = new Set(['bfd_instance']);
const VRRP_ROOTS = new Set([
  'vrrp_instance', 'vrrp_sync_group', 'vrrp_script', 'vrrp_track_process',
  'garp_group', 'static_ipaddress', 'static_routes', 'static_rules', 'track_group', 'linkbeat_interfaces',
  'interface_up_down_delays',
]);

function phaseOf(keyword: string): Phase {
  if (CHECKER_ROOTS.has(keyword)) return 'checker';
  if (VRRP_ROOTS.has(keyword)) return 'vrrp';
  if (BFD_ROOTS.has(keyword)) return 'bfd';
  return 'parent';
}

interface Tagged {
  d: Diagnostic;
  phase: Phase;
  seq: number;
}

export function emptyConfig(): KeepalivedConfig {
  return {
    global: defaultGlobalDefs(), vrrpScripts: [], trackFiles: [], trackProcesses: [], vrrpSyncGroups: [],
    vrrpInstances: [], garpGroups: [], staticIpaddress: [], staticRoutes: [], staticRules: [], staticTrackGroups: [],
    linkbeatInterfaces: [], interfaceUpDownDelays: [], virtualServerGroups: [], virtualServers: [], bfdInstances: [],
    files: [],
  };
}

const nameCache = new Map<string, Set<string>>();

/** First fields of a passwd/group style file. */
function namesIn(path: string): Set<string> {
  let names = nameCache.get(path);
  if (!names) {
    names = new Set();
    try {
      for (const line of readFileSync(path, 'utf8').split('\n')) if (line && !line.startsWith('#')) names.add(line.split(':')[0]!);
    } catch {
      // no such file: nothing resolves
    }
    nameCache.set(path, names);
  }
  return names;
}

function defaultInterfaceExists(name: string): boolean {
  return !name.includes('/') && existsSync(`/sys/class/net/${name}`);
}

export function buildConfig(tree: ConfigTree, ctx: BuildContext = {}): BuildResult {
  const tagged: Tagged[] = [];
  let phase: Phase = 'parent';
  const push = (message: string, loc: SourceLocation | undefined, kind: ErrorKind, origin?: SourceLocation): void => {
    const exitCode = EXIT_FOR_KIND[kind];
    const severity = kind === 'log' ? 'info' : 'error';
    const d: Diagnostic = loc ? { severity, message, loc, exitCode } : { severity, message, exitCode };
    if (!loc && origin) d.origin = origin;
    tagged.push({ d, phase, seq: tagged.length });
  };
  const config = emptyConfig();
  config.files = [...tree.files];
  const env: KeywordEnv = {
    config,
    loc: undefined,
    nonExistentInterface: false,
    rulePriority: { inet: 16384, inet6: 16384 },
    interfaceExists: ctx.interfaceExists ?? defaultInterfaceExists,
    userExists: ctx.userExists ?? ((n) => namesIn('/etc/passwd').has(n)),
    groupExists: ctx.groupExists ?? ((n) => namesIn('/etc/group').has(n)),
    error(message, kind = 'general') { push(message, this.loc, kind); },
    errorNoLoc(message, kind = 'general', origin) { push(message, undefined, kind, origin); },
    arg(stmt, index) {
      const w = stmt.words[index];
      if (w !== undefined) return w;
      const message = index > 0
        ? `*** Configuration line starting \`${stmt.words[0]}\` is missing a parameter after keyword \`${stmt.words[index - 1]}\` at word position ${index + 1}`
        : `*** Configuration line starting \`${stmt.words[0]}\` is missing a parameter at word position ${index + 1}`;
      throw new MissingParameterError({ severity: 'error', message, loc: stmt.loc, exitCode: 2 });
    },
  };
  const state: RootState = { config, vrrpDrafts: [], vrrpNames: new Set(), virtualServerDrafts: [], garpAggregationGroups: 0 };
  const accessible = ctx.scriptAccessible ?? defaultScriptAccessible;

  try {
    for (const stmt of tree.statements) {
      phase = phaseOf(stmt.words[0] ?? '');
      walkBlock([stmt], rootKeywords, state, env);
    }
    env.loc = undefined;
    phase = 'parent';
    checkStartupScriptSecurity(config, env, accessible);
    phase = 'checker';
    config.virtualServers = completeVirtualServers(state.virtualServerDrafts, config, env);
    checkCheckerScriptSecurity(config, env, accessible);
    phase = 'vrrp';
    config.vrrpInstances = completeVrrp(state.vrrpDrafts, config, env, accessible);
  } catch (e) {
    if (!(e instanceof MissingParameterError)) throw e;
    // keepalived exits immediately; what was reported before still stands
    tagged.push({ d: e.diagnostic, phase, seq: tagged.length });
    return { config, diagnostics: orderAndDedup(tagged), exitCode: 2 };
  }

  if (ctx.validateSchema) {
    const parsed = KeepalivedConfig.safeParse(config);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 10))
        tagged.push({ d: { severity: 'error', message: `internal: config model invalid at ${issue.path.join('.')}: ${issue.message}`, exitCode: 0 }, phase: 'bfd', seq: tagged.length });
    }
  }
  const diagnostics = orderAndDedup(tagged);
  const exitCode = diagnostics.reduce((max, d) => Math.max(max, d.exitCode ?? 0), 0);
  return { config, diagnostics, exitCode };
}

/** keepalived's order of first appearance (parent, checker, vrrp, bfd passes), each message once. */
function orderAndDedup(tagged: Tagged[]): Diagnostic[] {
  tagged.sort((a, b) => PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase] || a.seq - b.seq);
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const t of tagged) {
    const key = `${t.d.loc?.file ?? ''}\0${t.d.loc?.line ?? ''}\0${t.d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t.d);
  }
  return out;
}
