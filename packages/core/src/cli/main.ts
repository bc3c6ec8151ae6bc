/**
 * `keepalived` entry point: parse the command line as keepalived 2.2.7 does,
 * then -h / -v / --signum / -t, or start.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import { ExitCode } from '../exit-codes.js';
import { createLogger, setProcessLogger, type Logger, type TextSink } from '../log/logger.js';
import { LogIdent } from '../log/priority.js';
import { createRoleLogger } from './logging.js';
import { loadConfigApi, type ConfigApi } from './config-api.js';
import { usageText } from './help.js';
import { notImplementedLines } from './not-implemented.js';
import { parseCommandLine, type CliOptions } from './options.js';
import { logConfigFiles, logStartup, processCpuTimes, stoppedLines } from './startup.js';
import { childrenCpuTimes } from '../process/child-config.js';
import { currentUname, versionText, type Uname } from './version.js';
import type { NativeBinding } from '@keepalived-ts/native';

export { DEFAULT_CONFIG_FILE } from '../config/default-file.js';
import { DEFAULT_CONFIG_FILE } from '../config/default-file.js';

/** What the daemon start needs from the CLI; the supervisor plugs in here. */
export interface StartContext {
  argv0: string;
  args: readonly string[];
  options: CliOptions;
  configFile: string;
  configId: string;
  log: Logger;
}

export interface MainIo {
  /** argv[0] as keepalived would see it; default: see defaultArgv0(). */
  argv0?: string;
  stdout?: TextSink;
  stderr?: TextSink;
  env?: NodeJS.ProcessEnv;
  uname?: Uname;
  /** The configuration layers; loaded from ../config on first use by default. */
  configApi?: ConfigApi;
  /** The native shim for syslog; loaded on first use by default. */
  native?: NativeBinding | (() => NativeBinding);
  /** /dev/log by default. */
  syslogPath?: string;
  /** The daemon proper. Absent: this build says it cannot run the daemon yet and exits non-zero. */
  startDaemon?: (ctx: StartContext) => Promise<number>;
}

/** glibc's strerror() texts for the errors opening a file can give. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ETXTBSY: 'Text file busy',
};

/**
 * keepalived prints argv[0] as its shell passed it. A script started by
 * name through PATH loses that (the kernel gives node the full path), so
 * when PATH would find this very file under its base name, use that name.
 */
export function defaultArgv0(script = process.argv[1] ?? 'keepalived', env = process.env): string {
  const base = path.basename(script);
  for (const dir of (env['PATH'] ?? '').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, base);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
    } catch {
      continue;
    }
    return path.resolve(candidate) === path.resolve(script) ? base : script;
  }
  return script;
}

/** The node name up to its first '.', keepalived's default config id. */
export function configIdFromUname(uname: Uname): string {
  const dot = uname.nodename.indexOf('.');
  return dot === -1 ? uname.nodename : uname.nodename.slice(0, dot);
}

class FdSink implements TextSink {
  constructor(private readonly fd: number) {}
  write(chunk: string): boolean {
    fs.writeSync(this.fd, chunk);
    return true;
  }
}

/** Runs the CLI and returns the exit code (tests call this; main() sets process.exitCode). */
export async function runCli(args: readonly string[], io: MainIo = {}): Promise<number> {
  const argv0 = io.argv0 ?? defaultArgv0();
  const stdout = io.stdout ?? process.stdout;
  let stderr: TextSink = io.stderr ?? process.stderr;
  const uname = io.uname ?? currentUname();
  const parsed = parseCommandLine(args, argv0);
  const o = parsed.options;
  const parseSyslog: string[] = [];

  for (const out of parsed.output) {
    if (out.kind === 'syslog') parseSyslog.push(out.text);
    else if (out.kind !== 'redirect-stderr') (out.kind === 'stdout' ? stdout : stderr).write(out.text);
    else {
      try {
        const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants;
        stderr = new FdSink(fs.openSync(out.path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o644));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        const errno = (os.constants.errno as Record<string, number>)[code] ?? 0;
        stderr.write(`Unable to open config-test log file ${out.path} ${errno} - ${STRERROR[code] ?? code}\n`);
        return ExitCode.FATAL;
      }
    }
  }

  switch (parsed.action.kind) {
    case 'help':
      stderr.write(usageText(argv0));
      return 0;
    case 'version':
      stderr.write(versionText(uname));
      return 0;
    case 'signum':
      stdout.write(`${parsed.action.signum}\n`);
      return 0;
    case 'genhash':
      return runGenhash(parsed.action.argv, argv0, stderr);
    case 'status':
      return printStatus(o, stdout, stderr);
    case 'exit':
      return parsed.action.code;
    case 'run':
      break;
  }

  const configFile = o.configFile ?? DEFAULT_CONFIG_FILE;
  const configId = o.configId ?? configIdFromUname(uname);
  if (o.configTest) return configTest(io, stderr, configFile, configId, o, parsed.configErrorRaised);
  return start(io, argv0, args, o, configFile, configId, parseSyslog, uname);
}

/**
 * -t prints keepalived's report_config_error lines; its plain log_message
 * lines (severity 'info') go to the log, never to -t's output.
 */
function printConfigErrors(out: TextSink, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) if (d.severity !== 'info') out.write(`${formatDiagnostic(d)}\n`);
}

async function configTest(
  io: MainIo,
  stderr: TextSink,
  configFile: string,
  configId: string,
  o: CliOptions,
  configErrorRaised: boolean,
): Promise<number> {
  const api = io.configApi ?? (await loadConfigApi());
  const diagnostics: Diagnostic[] = [];
  const read = await api.read(configFile, { configId, includeMissingIsError: o.allConfig });
  diagnostics.push(...read.diagnostics);
  printConfigErrors(stderr, read.diagnostics);
  const missing = read.configMissing ?? read.tree.files.length === 0;
  // keepalived leaves with KEEPALIVED_EXIT_NO_CONFIG on a fatal file error, even under -t.
  if (!missing && read.configFileError) return ExitCode.NO_CONFIG;
  if (!missing) {
    const built = await api.build(read.tree);
    diagnostics.push(...built.diagnostics);
    printConfigErrors(stderr, built.diagnostics);
  }
  const worst = diagnostics.reduce((max, d) => Math.max(max, d.exitCode ?? 0), configErrorRaised ? 5 : 0);
  return worst;
}

async function start(
  io: MainIo,
  argv0: string,
  args: readonly string[],
  o: CliOptions,
  configFile: string,
  configId: string,
  parseSyslog: string[],
  uname: Uname,
): Promise<number> {
  if (io.startDaemon && !o.dontFork && (io.env ?? process.env)[DAEMON_MARKER] !== '1') return daemonize(args);
  const nativeLoader = io.native ?? (await lazyNative());
  if (parseSyslog.length > 0 && !o.noSyslog) {
    // keepalived logs these while parsing, before console logging is switched on: syslog only.
    const early = createLogger({ ident: LogIdent.parent, facility: o.logFacility, native: nativeLoader, syslogPath: io.syslogPath });
    for (const text of parseSyslog) early.info(text);
    await early.close();
  }
  const log = createRoleLogger('parent', o, { native: nativeLoader, consoleSink: io.stderr, syslogPath: io.syslogPath });
  setProcessLogger(log);
  try {
    logStartup(log, [argv0, ...args], uname);
    for (const line of notImplementedLines(o)) log.info(line);

    if (io.startDaemon) return await io.startDaemon({ argv0, args, options: o, configFile, configId, log });

    const api = io.configApi ?? (await loadConfigApi());
    const read = await api.read(configFile, { configId, includeMissingIsError: o.allConfig });
    const usable = !(read.configMissing ?? read.tree.files.length === 0) && !read.configFileError;
    if (read.tree.files.length > 0) logConfigFiles(log, configFile, read.tree.files);
    for (const d of read.diagnostics) log.info(formatDiagnostic(d));
    if (usable) {
      const built = await api.build(read.tree);
      for (const d of built.diagnostics) log.info(formatDiagnostic(d));
      if (o.dumpConf && api.dump) for (const line of await api.dump(built.config)) log.info(line);
      log.error('keepalived-ts: the daemon (VRRP and health-checker processes) is not implemented yet - exiting');
    }
    for (const line of stoppedLines(o.logDetail, processCpuTimes())) log.info(line);
    return usable ? ExitCode.FATAL : ExitCode.NO_CONFIG;
  } finally {
    await log.close();
  }
}

/** keepalived --status: the running daemon's state as JSON, from its status socket. */
async function printStatus(o: CliOptions, stdout: TextSink, stderr: TextSink): Promise<number> {
  const [{ daemonPaths }, { queryStatus }] = await Promise.all([import('../daemon/paths.js'), import('../daemon/status-server.js')]);
  const path = daemonPaths(o, o.namespace).status;
  const text = await queryStatus(path);
  if (text === undefined) {
    stderr.write(`keepalived is not running (no status socket at ${path})\n`);
    return 3; // LSB: program is not running
  }
  stdout.write(text);
  return ExitCode.OK;
}

/** keepalived -T: genhash mode, served by the checkers package (loaded by path: core does not import it). */
async function runGenhash(argv: readonly string[], argv0: string, stderr: TextSink): Promise<number> {
  const { genhashModule } = await import('../daemon/children.js');
  const path = genhashModule();
  if (!path) {
    stderr.write('keepalived-ts: genhash (-T) is not part of this build\n');
    return ExitCode.FATAL;
  }
  const { pathToFileURL } = await import('node:url');
  const m = (await import(pathToFileURL(path).href)) as { genhashMain(argv: string[], opts: { asKeepalived: boolean; prog: string }): Promise<number> };
  // genhash sees what follows -T / --genhash (earlier options were ignored, with a warning)
  const at = argv.findIndex((a) => a === '-T' || (a.startsWith('--g') && '--genhash'.startsWith(a)));
  return m.genhashMain(argv.slice(at + 1), { asKeepalived: true, prog: argv0 });
}

/** Set in the environment of the re-executed daemon so it does not fork again. */
const DAEMON_MARKER = 'KEEPALIVED_TS_DAEMONIZED';

/**
 * keepalived forks into the background unless -n. Node cannot fork, so the
 * daemon is the same program started again, detached from the terminal and
 * session; the foreground process exits 0 as keepalived's does.
 */
async function daemonize(args: readonly string[]): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, [DAEMON_MARKER]: '1' },
  });
  child.unref();
  return ExitCode.OK;
}

async function lazyNative(): Promise<() => NativeBinding> {
  const { loadNative } = await import('@keepalived-ts/native');
  return loadNative;
}

/** The daemon proper: the watchdog parent (loaded only when the daemon really starts). */
async function startParent(ctx: StartContext): Promise<number> {
  const [{ runParent }, { loadNative, CLONE_NEWNET }, { Rtnetlink }] = await Promise.all([
    import('../daemon/parent.js'),
    import('@keepalived-ts/native'),
    import('@keepalived-ts/netlink-reflector'),
  ]);
  return runParent(ctx, {
    openAddressRemover: () => new Rtnetlink({ native: loadNative() }),
    onSignal: (signum, cb) => loadNative().onSignal(signum, cb),
    setNetworkNamespace: (name) => loadNative().setns(`/run/netns/${name}`, CLONE_NEWNET),
    childrenCpuTimes: () => childrenCpuTimes(loadNative()),
  });
}

/** bin/keepalived calls this with process.argv.slice(2). */
export async function main(args: readonly string[]): Promise<void> {
  try {
    process.exitCode = await runCli(args, { startDaemon: startParent });
  } catch (e) {
    process.stderr.write(`keepalived-ts: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = ExitCode.PROGRAM_ERROR;
  }
}
