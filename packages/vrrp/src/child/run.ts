/**
 * The VRRP child process: takes the same command line as bin/keepalived (the
 * watchdog forks it with the parent's argv), reads and builds the
 * configuration, runs the VrrpDaemon and stops it gracefully on SIGTERM /
 * SIGINT or the parent's 'stop'. Works forked with an IPC channel and
 * standalone (`node packages/vrrp/dist/src/child/main.js -n -l -f FILE`).
 */
import * as core from '@keepalived-ts/core';
import { ExitCode, type CliOptions, type DumpKind, type KeepalivedConfig, type Logger } from '@keepalived-ts/core';
import { loadNative, type NativeBinding } from '@keepalived-ts/native';
import { MissingPermissionError, VrrpConfigError, VrrpDaemon } from '../runtime/vrrp-daemon.js';
import { ChildDumper } from './dumps.js';

const SIGTERM = 15;
/** keepalived's SIGJSON (SIGRTMIN+2) and SIGSTATS_CLEAR (SIGRTMAX-1) on Linux/glibc (keepalived --signum). */
export const SIGJSON = 36;
export const SIGSTATS_CLEAR = 63;

export interface ChildIo {
  /** The native binding (tests may inject one). */
  native?: () => NativeBinding;
  /** Where console log lines go (default process.stderr). */
  consoleSink?: { write(chunk: string): unknown };
  /** True when forked by the watchdog with an IPC channel (default: process.send exists). */
  ipc?: boolean;
}

/** The configuration as this child sees it (core's loadChildConfig). */
export function loadVrrpConfig(o: CliOptions): core.ChildConfigLoad {
  return core.loadChildConfig(o, { badInterfaceIsFatal: true });
}

function createChildLogger(o: CliOptions, native: () => NativeBinding, io: ChildIo): Logger {
  const file = o.logFile
    ? core.openLogFile(core.makeLogFileName(o.logFile, core.LogFileProg.vrrp), o.flushLogFile)
    : undefined;
  return core.createLogger({
    ident: core.LogIdent.vrrp,
    facility: o.logFacility,
    syslog: !o.noSyslog,
    native,
    console: o.logConsole && o.dontFork,
    ...(io.consoleSink ? { consoleSink: io.consoleSink } : {}),
    ...(file ? { file } : {}),
    detail: o.logDetail,
  });
}

/** keepalived's log_stopping() for a child process. */
export const stoppedLine = core.childStoppedLine;

/** Runs the child until it is stopped; resolves to the exit code. */
export async function runVrrpChild(args: readonly string[], io: ChildIo = {}): Promise<number> {
  const parsed = core.parseCommandLine(args, 'keepalived');
  if (parsed.action.kind !== 'run') return parsed.action.kind === 'exit' ? parsed.action.code : ExitCode.OK;
  const o = parsed.options;
  const ipc = io.ipc ?? typeof process.send === 'function';
  const native = io.native ?? loadNative;
  const log = createChildLogger(o, native, io);
  // forked: a bug must end in a respawn, not in Node's exit status 1 (keepalived's FATAL)
  if (ipc) core.exitOnUncaught('Keepalived_vrrp', log);

  const loaded = loadVrrpConfig(o);
  // Forked, the parent has logged the configuration messages already; standalone we are the only core.
  if (!ipc || !loaded.ok) for (const m of loaded.messages) log.info(m);
  if (!loaded.ok) {
    log.close();
    return loaded.exitCode;
  }
  if (ipc) {
    try {
      native().setParentDeathSignal(SIGTERM);
    } catch {
      // the IPC channel's disconnect stops us as well
    }
  }
  if (!ipc && o.vrrpPidFile) core.writePidFile(o.vrrpPidFile, process.pid, log);

  let daemon: VrrpDaemon;
  try {
    daemon = await VrrpDaemon.start({
      config: loaded.config, log, native: native(), detail: o.logDetail > 0, dontReleaseVrrp: o.dontReleaseVrrp,
    });
  } catch (e) {
    const code = e instanceof VrrpConfigError ? ExitCode.CONFIG
      : e instanceof MissingPermissionError || (e as { capability?: string }).capability !== undefined ? ExitCode.MISSING_PERMISSION
        : ExitCode.FATAL;
    log.error((e as Error).message);
    log.close();
    if (!ipc && o.vrrpPidFile) core.removePidFile(o.vrrpPidFile);
    return code;
  }

  if (o.dumpConf) for (const line of daemon.startupDumpLines()) log.info(line);

  const namespace = o.namespace ?? loaded.config.global.netNamespace;
  const dumper = new ChildDumper(daemon, {
    tmpDir: core.keepalivedTmpDir(),
    umask: o.umask ?? loaded.config.global.umask,
    ...(loaded.config.global.dataUseInstance && namespace ? { dataFileSuffix: `.${namespace}` } : {}),
    log,
  });
  const applyReload = async (): Promise<void> => {
    log.info('Reloading');
    const next = loadVrrpConfig(o);
    if (!ipc || !next.ok) for (const m of next.messages) log.info(m);
    if (!next.ok) {
      log.info('Configuration not reloaded - keeping the running configuration');
      return;
    }
    try {
      await daemon.reload(next.config);
    } catch (e) {
      log.info(`${(e as Error).message} - keeping the running configuration`);
    }
  };
  // a reload that creates VMACs waits for the kernel; the next one starts after it
  let reloads = Promise.resolve();
  const reload = (): void => {
    reloads = reloads.then(applyReload);
  };

  const rtSignals: { stop(): void }[] = [];
  const done = new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      // the priority-0 adverts go out in daemon.stop()'s first synchronous part: nothing before it
      const stopped = daemon.stop();
      for (const h of rtSignals) h.stop();
      void stopped.then(() => dumper.settle()).then(resolve, resolve);
    };
    const dump = (kind: DumpKind): void => {
      if (!stopping) dumper.handle(kind);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => {
      if (!stopping) reload();
    });
    process.on('SIGUSR1', () => dump('data'));
    process.on('SIGUSR2', () => dump('stats'));
    try {
      rtSignals.push(native().onSignal(SIGSTATS_CLEAR, () => dump('stats_clear')));
      rtSignals.push(native().onSignal(SIGJSON, () => dump('json')));
    } catch (e) {
      log.info(`Unable to handle signals ${SIGSTATS_CLEAR}/${SIGJSON} (${(e as Error).message})`);
    }
    if (ipc) {
      core.startChildRuntime({
        onStop: stop,
        onDump: dump,
        onReload: () => {
          if (!stopping) reload();
        },
        onStatus: () => daemon.status(),
      });
    }
  });
  await done;
  if (!ipc && o.vrrpPidFile) core.removePidFile(o.vrrpPidFile);
  log.info(stoppedLine(o.logDetail, o.logDetail ? core.childrenCpuTimes(native) : undefined));
  log.close();
  return ExitCode.OK;
}
