import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ConfigApi } from '../cli/config-api.js';
import { buildConfig } from '../config/build.js';
import { readConfigTree } from '../config/reader/index.js';
import type { StartContext } from '../cli/main.js';
import { logConfigFiles, processCpuTimes, stoppedLines, type CpuTimes } from '../cli/startup.js';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import type { ConfigTree } from '../config/tree.js';
import { dataFileForProcess } from '../config/dump/index.js';
import { keepalivedTmpDir } from '../log/file.js';
import type { KeepalivedConfig } from '../config/model/index.js';
import { ExitCode } from '../exit-codes.js';
import type { DumpKind } from '../process/ipc.js';
import { pidFileHeldByLiveProcess, removePidFile, writePidFile } from '../process/pidfile.js';
import { Watchdog, type ChildSpec } from '../process/watchdog.js';
import { childEntry } from './children.js';
import { daemonPaths, type DaemonPaths } from './paths.js';
import { releaseConfiguredVips, type AddressRemover } from './vip-release.js';
import { closeStatusServer, startStatusServer } from './status-server.js';
import { IMPLEMENTATION } from '../cli/version.js';

/** keepalived's signal numbers for its dump and stats functions (--signum). */
const SIGJSON = 36; // SIGRTMIN+2
const SIGSTATS_CLEAR = 63; // SIGRTMAX-1

export interface ParentDeps {
  configApi?: ConfigApi;
  /** rtnetlink for releasing a dead VRRP child's VIPs (opened after entering the namespace). */
  openAddressRemover?: () => AddressRemover & { close(): void };
  /** setns(2) into /run/netns/NAME for -s / net_namespace (native); absent in tests that do not need it. */
  setNetworkNamespace?: (name: string) => void;
  /** Real-time signals by number (native onSignal); absent in tests that do not need them. */
  onSignal?: (signum: number, cb: () => void) => { stop(): void };
  /** getrusage(RUSAGE_CHILDREN) in µs for the -D stop line (native); absent: reported as 0. */
  childrenCpuTimes?: () => CpuTimes | undefined;
}

interface LoadedConfig {
  config: KeepalivedConfig;
  files: readonly string[];
  /**
   * Why this config must not replace a running one, or undefined. keepalived
   * runs configs with warnings, unknown keywords or script-security errors, so
   * those pass; it cannot run a fatal one (missing parameter); and an error
   * that silently drops a block the operator wrote (a VRID out of range drops
   * the whole instance) would take traffic down on reload, so that fails too.
   */
  rejectReason: string | undefined;
  lines: string[];
}

/** heapUsed right after the last forced collection. */
let heapAfterLastCollection = 0;
/** How much a run of reloads may pile up before the parent collects it. */
const RELOAD_GARBAGE_LIMIT = 8 * 1024 * 1024;

/**
 * A reload's config objects (~2.5 MB for 200 instances) die in old space.
 * Left to V8's heuristics the parent's RSS steps between plateaus ~30 %
 * apart, whenever V8 decides to grow the heap, and stays up. A full
 * collection (--expose-gc, ~25 ms here) once that garbage passes 8 MB keeps
 * it flat; the parent is off the children's timing path.
 */
function collectReloadGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc || process.memoryUsage().heapUsed - heapAfterLastCollection < RELOAD_GARBAGE_LIMIT) return;
  gc();
  heapAfterLastCollection = process.memoryUsage().heapUsed;
}

/**
 * The daemon's configuration layers: those of `-t` without the zod check of
 * the built model. That check only reports builder bugs (it never refuses a
 * config), yet it more than doubles what a reload allocates (200 instances:
 * ~6 MB instead of ~2.5 MB): under a run of reloads the extra garbage gets
 * promoted and the parent's RSS saw-tooths 30 % above its flat level.
 */
const daemonConfigApi: ConfigApi = {
  async read(path, options) {
    const { tree, diagnostics, configMissing, configFileError } = readConfigTree(path, options);
    return { tree, diagnostics, configMissing, configFileError };
  },
  async build(tree) {
    const { config, diagnostics } = buildConfig(tree);
    return { config, diagnostics };
  },
};

async function loadConfig(api: ConfigApi, ctx: StartContext): Promise<LoadedConfig | undefined> {
  const read = await api.read(ctx.configFile, { configId: ctx.configId, includeMissingIsError: ctx.options.allConfig });
  const lines = read.diagnostics.map(formatDiagnostic);
  if (read.configMissing || read.configFileError) {
    return undefined;
  }
  const built = await api.build(read.tree);
  lines.push(...built.diagnostics.map(formatDiagnostic));
  const config = built.config as KeepalivedConfig;
  return { config, files: read.tree.files, rejectReason: rejectReason(read.tree, config, built.diagnostics), lines };
}

function rejectReason(tree: ConfigTree, config: KeepalivedConfig, diagnostics: readonly Diagnostic[]): string | undefined {
  if (diagnostics.some((d) => d.exitCode === ExitCode.CONFIG)) return 'a fatal configuration error';
  const built = new Set(config.vrrpInstances.map((i) => i.name));
  const written = tree.statements.filter((s) => s.words[0] === 'vrrp_instance' && s.block);
  const lost = written.filter((s) => s.words[1] !== undefined && !built.has(s.words[1]));
  if (lost.length) return `vrrp_instance ${nameList(lost.map((s) => s.words[1]!))} would be dropped by configuration errors`;
  const servers = tree.statements.filter((s) => s.words[0] === 'virtual_server' && s.block).length;
  if (config.virtualServers.length < servers) return `${servers - config.virtualServers.length} virtual_server block(s) would be dropped by configuration errors`;
  return undefined;
}

/**
 * A few names, then a count: one error can drop every instance (keepalived's
 * vrrp_complete_init gives up on the first bad one), and a log line naming
 * hundreds would be wrapped over many lines.
 */
function nameList(names: readonly string[], shown = 5): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

function respawnScale(value: string | undefined): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 && n <= 1 ? n : 1;
}

/** Which children to run: -P / -C / --all, and keepalived's rule that a subsystem with no configuration does not start. */
function wantedChildren(ctx: StartContext, config: KeepalivedConfig, pidFiles: DaemonPaths): ChildSpec[] {
  const o = ctx.options;
  const specs: ChildSpec[] = [];
  const add = (role: ChildSpec['role'], configured: boolean, enabled: boolean, pidFile: string) => {
    if (!enabled || !(configured || o.runAllChildren)) return;
    const modulePath = childEntry(role);
    if (!modulePath) {
      ctx.log.error(`keepalived-ts: the ${role === 'vrrp' ? 'VRRP' : 'health-checker'} child is not part of this build - not started`);
      return;
    }
    specs.push({ role, modulePath, args: [...ctx.args], pidFile });
  };
  add('vrrp', config.vrrpInstances.length > 0 || config.vrrpSyncGroups.length > 0, o.daemons.vrrp, pidFiles.vrrp);
  add('checker', config.virtualServers.length > 0, o.daemons.checkers, pidFiles.checker);
  return specs;
}

/**
 * The parent process: the watchdog of keepalived. It reads the configuration
 * (to know which children to run and to validate a reload before any child
 * sees it), keeps the children alive, and turns signals into IPC requests.
 * Resolves with the daemon's exit code once it has stopped.
 */
export async function runParent(ctx: StartContext, deps: ParentDeps = {}): Promise<number> {
  const { log, options: o } = ctx;
  const api = deps.configApi ?? daemonConfigApi;

  const loaded = await loadConfig(api, ctx);
  if (!loaded) {
    log.info(`Unable to read configuration file ${ctx.configFile}`);
    return ExitCode.NO_CONFIG;
  }
  logConfigFiles(log, ctx.configFile, loaded.files);
  for (const line of loaded.lines) log.info(line);
  for (const line of unsupportedFeatureLines(loaded.config)) log.warn(line);

  const configured = loaded.config.global.netNamespace;
  if (o.namespace && configured && configured !== o.namespace) {
    log.info(`Overriding config net_namespace '${configured}' with command line namespace '${o.namespace}'`);
  }
  const namespace = o.namespace ?? configured;
  const pidFiles = daemonPaths(o, namespace);
  const mainPidFile = pidFiles.main;
  if (namespace) {
    mkdirSync(dirname(mainPidFile), { recursive: true });
    try {
      // children are forked from this thread afterwards and start inside the namespace
      (deps.setNetworkNamespace ?? (() => { throw new Error('no setns available'); }))(namespace);
    } catch {
      log.error(`Unable to set network namespace ${namespace} - exiting`);
      return ExitCode.FATAL;
    }
  }

  const runningPidFiles = [mainPidFile, ...(o.daemons.vrrp ? [pidFiles.vrrp] : []), ...(o.daemons.checkers ? [pidFiles.checker] : [])];
  if (runningPidFiles.some((f) => pidFileHeldByLiveProcess(f, log))) {
    log.info('daemon is already running');
    return ExitCode.OK;
  }
  if (!writePidFile(mainPidFile, process.pid, log)) return ExitCode.FATAL;
  if (!loaded.config.global.maxAutoPriority) {
    log.info('NOTICE: setting config option max_auto_priority should result in better keepalived performance');
  }

  const specs = wantedChildren(ctx, loaded.config, pidFiles);
  if (specs.length === 0) log.info('Warning - keepalived has no configuration to run');

  // opened now, inside the namespace, so that a dead child's VIPs go without delay
  const remover = specs.some((c) => c.role === 'vrrp') ? deps.openAddressRemover?.() : undefined;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const watchdog = new Watchdog({
    children: specs,
    log: { info: (t) => log.info(t), error: (t) => log.alert(t) },
    dontRespawn: o.dontRespawn,
    // test suites only: KEEPALIVED_TS_RESPAWN_SCALE=0.001 turns 60 s of backoff into 60 ms
    restartDelayScale: respawnScale(process.env['KEEPALIVED_TS_RESPAWN_SCALE']),
    onTerminate: (code) => resolveExit(code),
    onChildDied: (role) => {
      if (role === 'vrrp' && remover) void releaseConfiguredVips(running, remover, log);
    },
  });

  let running = loaded.config;
  const dump = (kind: DumpKind) => watchdog.send({ type: 'dump', kind });
  const dumpParent = () => {
    log.info(`Printing parent data for process(${process.pid}) on signal`);
    const { file, text } = dataFileForProcess('parent', running);
    writeFile(`${keepalivedTmpDir()}/${file}`, text, { mode: 0o644 }).catch((e: Error) => log.info(`Unable to write ${file}: ${e.message}`));
    dump('data');
  };
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // the children first: a VRRP child's priority-0 advert is what makes the peer take over fast
    void watchdog.stop(ExitCode.OK);
    log.info('Stopping');
  };
  let reloading = false;
  const reload = async () => {
    if (stopping || reloading) return;
    reloading = true;
    try {
      log.info('Reloading ...');
      const next = await loadConfig(api, ctx);
      if (next) logConfigFiles(log, ctx.configFile, next.files);
      for (const line of next?.lines ?? [`Unable to read configuration file ${ctx.configFile}`]) log.info(line);
      const reason = next ? next.rejectReason : 'the configuration could not be read';
      if (!next || reason) {
        log.info(`New config failed validation (${reason}) - keeping the running configuration`);
        return;
      }
      running = next.config;
      watchdog.send({ type: 'reload' });
      setImmediate(collectReloadGarbage);
    } finally {
      reloading = false;
    }
  };

  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGTERM', stop],
    ['SIGINT', stop],
    ['SIGHUP', () => void reload()],
    ['SIGUSR1', dumpParent],
    ['SIGUSR2', () => dump('stats')],
  ];
  for (const [sig, fn] of handlers) process.on(sig, fn);
  const rt = deps.onSignal
    ? [deps.onSignal(SIGJSON, () => dump('json')), deps.onSignal(SIGSTATS_CLEAR, () => dump('stats_clear'))]
    : [];

  watchdog.start();
  const startedAt = new Date().toISOString();
  const statusServer = await startStatusServer(pidFiles.status, async () => ({
    daemon: 'keepalived-ts',
    version: IMPLEMENTATION,
    pid: process.pid,
    startedAt,
    configFile: ctx.configFile,
    namespace: namespace ?? null,
    children: await watchdog.collectStatus(),
  }), log);
  const code = await exited;
  await closeStatusServer(statusServer, pidFiles.status);
  remover?.close();

  for (const [sig, fn] of handlers) process.off(sig, fn);
  for (const h of rt) h.stop();
  removePidFile(mainPidFile);
  for (const line of stoppedLines(o.logDetail, processCpuTimes(), deps.childrenCpuTimes?.())) log.info(line);
  return code;
}

/**
 * What this configuration asks for that we do not run (BFD): said once at start, so
 * nobody relies on a track_bfd or BFD_CHECK that keepalived would honour.
 */
export function unsupportedFeatureLines(config: KeepalivedConfig): string[] {
  const out: string[] = [];
  if (config.bfdInstances.length > 0) {
    out.push(`BFD is not supported: bfd_instance ${config.bfdInstances.map((b) => b.name).join(', ')} will not run`);
  }
  for (const i of config.vrrpInstances) {
    if (i.trackBfds.length > 0) out.push(`(${i.name}) track_bfd is not supported - ignoring ${i.trackBfds.map((t) => t.name).join(', ')}`);
  }
  for (const g of config.vrrpSyncGroups) {
    if (g.trackBfds.length > 0) out.push(`(${g.name}) track_bfd is not supported - ignoring ${g.trackBfds.map((t) => t.name).join(', ')}`);
  }
  const bfdChecks = config.virtualServers.flatMap((vs) => vs.realServers.flatMap((rs) => rs.checkers.filter((c) => c.type === 'BFD_CHECK')));
  if (bfdChecks.length > 0) out.push(`BFD_CHECK is not supported - ${bfdChecks.length} checker(s) will not run`);
  return out;
}
