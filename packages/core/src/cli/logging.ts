/**
 * Logging set-up for each keepalived process from the command line, so the
 * parent and every child agree: ident Keepalived / Keepalived_vrrp /
 * Keepalived_healthcheckers / Keepalived_bfd (with _NAMESPACE_INSTANCE when
 * the configuration names them), -S facility, -G, console only for -l with
 * -n, and the -g file with the process's suffix.
 */
import type { NativeBinding } from '@keepalived-ts/native';
import { LogFileProg, makeLogFileName, openLogFile } from '../log/file.js';
import { createLogger, type Logger, type TextSink } from '../log/logger.js';
import { LogIdent, makeSyslogIdent } from '../log/priority.js';
import type { CliOptions } from './options.js';

export type ProcessRole = keyof typeof LogIdent;

export interface RoleLoggerDeps {
  native: NativeBinding | (() => NativeBinding);
  /** From the configuration: net_namespace and instance name change idents and file names. */
  namespace?: string;
  instance?: string;
  consoleSink?: TextSink;
  syslogPath?: string;
  /** $TMPDIR-derived directory for relative -g names (keepalivedTmpDir() by default). */
  tmpDir?: string;
}

/** The logger a process of `role` uses, given the parsed command line. */
export function createRoleLogger(role: ProcessRole, o: CliOptions, deps: RoleLoggerDeps): Logger {
  const file = o.logFile
    ? openLogFile(makeLogFileName(o.logFile, LogFileProg[role], deps.namespace, deps.instance, deps.tmpDir), o.flushLogFile)
    : undefined;
  return createLogger({
    ident: makeSyslogIdent(LogIdent[role], deps.namespace, deps.instance),
    facility: o.logFacility,
    syslog: !o.noSyslog && !o.configTest,
    native: deps.native,
    syslogPath: deps.syslogPath,
    console: o.logConsole && o.dontFork,
    consoleSink: deps.consoleSink,
    file,
    detail: o.logDetail,
  });
}
