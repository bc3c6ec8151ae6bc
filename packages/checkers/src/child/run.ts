/**
 * The health-checker child process: takes the same command line as
 * bin/keepalived (the watchdog forks it with the parent's argv), reads and
 * builds the configuration, runs the CheckerDaemon, reloads on SIGHUP / the
 * parent's 'reload', writes keepalived_check.data on SIGUSR1 / 'dump', and
 * stops gracefully on SIGTERM / SIGINT / 'stop'. Works forked with an IPC
 * channel and standalone.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import * as core from '@keepalived-ts/core';
import { ExitCode, type CliOptions, type DumpKind, type KeepalivedConfig, type Logger } from '@keepalived-ts/core';
import { loadNative, type NativeBinding } from '@keepalived-ts/native';
import { CheckerDaemon, type CheckerDaemonOptions, type CheckerStatus } from '../runtime/checker-daemon.js';

const SIGTERM = 15;

export interface CheckerChildIo {
  native?: () => NativeBinding;
  consoleSink?: { write(chunk: string): unknown };
  /** True when forked by the watchdog with an IPC channel (default: process.send exists). */
  ipc?: boolean;
  /** Test hooks passed to the daemon (fake IPVS, short bootstrap delay). */
  daemon?: Partial<Pick<CheckerDaemonOptions, 'openDataPlane' | 'serviceDeps'>>;
}

/** The configuration as this child sees it (core's loadChildConfig). */
export function loadCheckerConfig(o: CliOptions): core.ChildConfigLoad {
  return core.loadChildConfig(o, { badInterfaceIsFatal: false });
}

/** keepalived's log_stopping() for a child process. */
export const stoppedLine = core.childStoppedLine;

/** keepalived writes its data files with umask 0177. */
export const DATA_FILE_MODE = 0o600;

function writeDataFile(daemon: CheckerDaemon, log: Logger): void {
  log.info(`Printing checker data for process(${process.pid}) on signal`);
  const { file, text } = daemon.dataFile();
  const path = `${core.keepalivedTmpDir()}/${file}`;
  try {
    writeFileSync(path, text, { mode: DATA_FILE_MODE });
    chmodSync(path, DATA_FILE_MODE); // an existing file keeps its mode otherwise
  } catch (e) {
    log.info(`Unable to write ${path}: ${(e as Error).message}`);
  }
}

/** Runs the child until it is stopped; resolves to the exit code. */
export async function runCheckerChild(args: readonly string[], io: CheckerChildIo = {}): Promise<number> {
  const parsed = core.parseCommandLine(args, 'keepalived');
  if (parsed.action.kind !== 'run') return parsed.action.kind === 'exit' ? parsed.action.code : ExitCode.OK;
  const o = parsed.options;
  const ipc = io.ipc ?? typeof process.send === 'function';
  const native = io.native ?? loadNative;
  const log = core.createRoleLogger('checkers', o, { native, ...(io.consoleSink ? { consoleSink: io.consoleSink } : {}) });
  // forked: a bug must end in a respawn, not in Node's exit status 1 (keepalived's FATAL)
  if (ipc) core.exitOnUncaught('Keepalived_healthcheckers', log);

  const loaded = loadCheckerConfig(o);
  // Forked, the parent has logged the configuration messages already; standalone we are the only process.
  if (!ipc || !loaded.ok) for (const m of loaded.messages) log.info(m);
  if (!loaded.ok) {
    await log.close();
    return loaded.exitCode;
  }
  if (ipc) {
    try {
      native().setParentDeathSignal(SIGTERM);
    } catch {
      // the IPC channel's disconnect stops us as well
    }
  }
  const pidFile = !ipc ? o.checkersPidFile : undefined;
  if (pidFile) core.writePidFile(pidFile, process.pid, log);

  // Created before the daemon so that status updates can flow from its first state change.
  let runtime: ReturnType<typeof core.startChildRuntime> | undefined;
  let stopRequested = false;
  const pendingHandlers: { stop?: () => void; reload?: () => void; dump?: (k: DumpKind) => void } = {
    stop: () => { stopRequested = true; },
  };
  const earlyStop = (): void => { stopRequested = true; };
  process.on('SIGTERM', earlyStop);
  process.on('SIGINT', earlyStop);
  let running: CheckerDaemon | undefined;
  if (ipc) {
    runtime = core.startChildRuntime({
      onStop: () => pendingHandlers.stop?.(),
      onReload: () => pendingHandlers.reload?.(),
      onDump: (k) => pendingHandlers.dump?.(k),
      // answered on request (keepalived --status), not pushed on every state change
      onStatus: () => running?.status() ?? { role: 'checker', starting: true },
    });
  }

  let daemon: CheckerDaemon;
  try {
    daemon = await CheckerDaemon.start({
      config: loaded.config,
      log,
      native: native(),
      dontReleaseIpvs: o.dontReleaseIpvs,
      dumpConf: o.dumpConf,
      logDetail: !!o.logDetail,
      ...io.daemon,
    });
  } catch (e) {
    log.error((e as Error).message);
    process.off('SIGTERM', earlyStop);
    process.off('SIGINT', earlyStop);
    runtime?.close();
    if (pidFile) core.removePidFile(pidFile);
    await log.close();
    const code = (e as { code?: string }).code;
    return code === 'EPERM' || code === 'EACCES' ? ExitCode.MISSING_PERMISSION : ExitCode.FATAL;
  }

  running = daemon;
  await new Promise<void>((resolve) => {
    let stopping = false;
    let reloading: Promise<void> = Promise.resolve();
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      void reloading.then(() => daemon.stop()).then(resolve, (e: Error) => {
        log.error(`Stopping: ${e.message}`);
        resolve();
      });
    };
    const reload = (): void => {
      if (stopping) return;
      reloading = reloading.then(async () => {
        const next = loadCheckerConfig(o);
        if (!next.ok) {
          for (const m of next.messages) log.info(m);
          log.info('Reload failed: keeping the running configuration');
          runtime?.send({ type: 'reloaded', ok: false, error: 'configuration could not be read' });
          return;
        }
        await daemon.reload(next.config);
        runtime?.send({ type: 'reloaded', ok: true });
      }).catch((e: Error) => {
        log.error(`Reload failed: ${e.message}`);
        runtime?.send({ type: 'reloaded', ok: false, error: e.message });
      });
    };
    const dump = (kind: DumpKind): void => {
      if (kind === 'data') writeDataFile(daemon, log);
    };
    pendingHandlers.stop = stop;
    pendingHandlers.reload = reload;
    pendingHandlers.dump = dump;
    process.off('SIGTERM', earlyStop);
    process.off('SIGINT', earlyStop);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    if (stopRequested) stop();
    process.on('SIGHUP', reload);
    process.on('SIGUSR1', () => dump('data'));
  });
  runtime?.close();
  if (pidFile) core.removePidFile(pidFile);
  log.info(stoppedLine(o.logDetail, o.logDetail ? core.childrenCpuTimes(native) : undefined));
  await log.close();
  return ExitCode.OK;
}
