/**
 * keepalived 2.2.7's command line, option for option. The long option table
 * and the short option string are Debian's build (what help.txt documents)
 * plus the options of the log-file, mem-check, perf and debug-options builds
 * of 2.2.7 (-g/--log-file, --flush-log-file, --no-mem-check, --perf,
 * --debug), so every command line 2.2.7 can accept is accepted here.
 */
import { ArgKind, Getopt, type LongOption } from './getopt.js';
import { atoi, parseUmask, readUnsigned } from './numbers.js';
import { signalNumberFor } from './signals.js';

/** Syslog facility codes (<syslog.h> LOG_* >> 3). */
export const Facility = {
  user: 1,
  daemon: 3,
  local0: 16,
} as const;

export type PerfRun = 'run' | 'all' | 'end';

export interface CliOptions {
  /** -f; undefined means the default /etc/keepalived/keepalived.conf. */
  configFile: string | undefined;
  /** Which children run (-P clears checkers, -C clears vrrp, -B clears bfd, --all sets all). */
  daemons: { vrrp: boolean; checkers: boolean; bfd: boolean };
  /** --all: start children even without configuration for them. */
  runAllChildren: boolean;
  /** -l */
  logConsole: boolean;
  /** -D once = 1 (LOG_DETAIL), twice = 2 (LOG_EXTRA_DETAIL). */
  logDetail: 0 | 1 | 2;
  /** -S: syslog facility code (3 = daemon, 1 = user, 16..23 = local0..7). */
  logFacility: number;
  /** -g[FILE]: log file name as given ('keepalived.log' for a bare -g); see makeLogFileName. */
  logFile: string | undefined;
  /** --flush-log-file */
  flushLogFile: boolean;
  /** -G */
  noSyslog: boolean;
  /** -u: umask from the command line (undefined: keepalived's default 022 applies). */
  umask: number | undefined;
  /** -X */
  releaseVips: boolean;
  /** -V */
  dontReleaseVrrp: boolean;
  /** -I */
  dontReleaseIpvs: boolean;
  /** -R (also set by -t) */
  dontRespawn: boolean;
  /** -n (also set by -t) */
  dontFork: boolean;
  /** -d */
  dumpConf: boolean;
  /** -p, -r, -c, -b */
  pidFile: string | undefined;
  vrrpPidFile: string | undefined;
  checkersPidFile: string | undefined;
  bfdPidFile: string | undefined;
  /** -a */
  addressMonitoring: boolean;
  /** -x */
  snmp: boolean;
  /** -A */
  snmpAgentSocket: string | undefined;
  /** -s */
  namespace: string | undefined;
  /** -m (also implied by -M) */
  coreDump: boolean;
  /** -M[PATN]: true with the default pattern, or the pattern given. */
  coreDumpPattern: string | true | undefined;
  /** -e: a missing configuration file is an error (include check). */
  allConfig: boolean;
  /** -i */
  configId: string | undefined;
  /** -t */
  configTest: boolean;
  /** -tFILE / --config-test=FILE: where -t output goes (appended). */
  configTestLogFile: string | undefined;
  /** --config-fd (internal to keepalived: parent to child config copy). */
  configFd: number | undefined;
  /** --perf[=TYPE] */
  perf: PerfRun | undefined;
  /** --debug[=...] (the option string, '' for all). */
  debugOptions: string | undefined;
  /** --no-mem-check */
  noMemCheck: boolean;
}

/** One thing keepalived writes while parsing, in the order it writes it. */
export type CliOutput =
  | { kind: 'stdout' | 'stderr'; text: string }
  /** -tFILE: stderr is replaced by FILE opened for append (failure: exit 1). */
  | { kind: 'redirect-stderr'; path: string }
  /** A message keepalived logs via syslog at parse time (console logging is not enabled yet). */
  | { kind: 'syslog'; text: string };

/** What the command line asks for once parsed. */
export type CliAction =
  | { kind: 'run' }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'signum'; signum: number }
  | { kind: 'genhash'; argv: string[] }
  | { kind: 'status' }
  | { kind: 'exit'; code: number };

export interface CliParseResult {
  options: CliOptions;
  output: CliOutput[];
  action: CliAction;
  /**
   * read_unsigned() failures (from -S) raise keepalived's config error status,
   * so a later -t exits 5 even with a clean configuration.
   */
  configErrorRaised: boolean;
}

export function defaultCliOptions(): CliOptions {
  return {
    configFile: undefined,
    daemons: { vrrp: true, checkers: true, bfd: true },
    runAllChildren: false,
    logConsole: false,
    logDetail: 0,
    logFacility: Facility.daemon,
    logFile: undefined,
    flushLogFile: false,
    noSyslog: false,
    umask: undefined,
    releaseVips: false,
    dontReleaseVrrp: false,
    dontReleaseIpvs: false,
    dontRespawn: false,
    dontFork: false,
    dumpConf: false,
    pidFile: undefined,
    vrrpPidFile: undefined,
    checkersPidFile: undefined,
    bfdPidFile: undefined,
    addressMonitoring: false,
    snmp: false,
    snmpAgentSocket: undefined,
    namespace: undefined,
    coreDump: false,
    coreDumpPattern: undefined,
    allConfig: false,
    configId: undefined,
    configTest: false,
    configTestLogFile: undefined,
    configFd: undefined,
    perf: undefined,
    debugOptions: undefined,
    noMemCheck: false,
  };
}

const ch = (c: string): number => c.charCodeAt(0);

/** Long-only option values (keepalived's numeric getopt returns). */
const OPT_FLUSH_LOG_FILE = 2;
const OPT_ALL = 3;
const OPT_SIGNUM = 4;
const OPT_PERF = 5;
const OPT_DEBUG = 6;
const OPT_NO_MEM_CHECK = 7;
const OPT_CONFIG_FD = 8;
/** Ours, not keepalived's: ask the running daemon for its state as JSON. */
const OPT_STATUS = 9;

/** keepalived's long_options[], in its order (the order decides abbreviation matches). */
export const LONG_OPTIONS: readonly LongOption[] = [
  { name: 'use-file', hasArg: ArgKind.Required, val: ch('f') },
  { name: 'vrrp', hasArg: ArgKind.None, val: ch('P') },
  { name: 'check', hasArg: ArgKind.None, val: ch('C') },
  { name: 'no_bfd', hasArg: ArgKind.None, val: ch('B') },
  { name: 'all', hasArg: ArgKind.None, val: OPT_ALL },
  { name: 'log-console', hasArg: ArgKind.None, val: ch('l') },
  { name: 'log-detail', hasArg: ArgKind.None, val: ch('D') },
  { name: 'log-facility', hasArg: ArgKind.Required, val: ch('S') },
  { name: 'log-file', hasArg: ArgKind.Optional, val: ch('g') },
  { name: 'all-config', hasArg: ArgKind.None, val: ch('e') },
  { name: 'flush-log-file', hasArg: ArgKind.None, val: OPT_FLUSH_LOG_FILE },
  { name: 'no-syslog', hasArg: ArgKind.None, val: ch('G') },
  { name: 'umask', hasArg: ArgKind.Required, val: ch('u') },
  { name: 'release-vips', hasArg: ArgKind.None, val: ch('X') },
  { name: 'dont-release-vrrp', hasArg: ArgKind.None, val: ch('V') },
  { name: 'dont-release-ipvs', hasArg: ArgKind.None, val: ch('I') },
  { name: 'dont-respawn', hasArg: ArgKind.None, val: ch('R') },
  { name: 'dont-fork', hasArg: ArgKind.None, val: ch('n') },
  { name: 'dump-conf', hasArg: ArgKind.None, val: ch('d') },
  { name: 'pid', hasArg: ArgKind.Required, val: ch('p') },
  { name: 'vrrp_pid', hasArg: ArgKind.Required, val: ch('r') },
  { name: 'genhash', hasArg: ArgKind.None, val: ch('T') },
  { name: 'checkers_pid', hasArg: ArgKind.Required, val: ch('c') },
  { name: 'address-monitoring', hasArg: ArgKind.None, val: ch('a') },
  { name: 'bfd_pid', hasArg: ArgKind.Required, val: ch('b') },
  { name: 'snmp', hasArg: ArgKind.None, val: ch('x') },
  { name: 'snmp-agent-socket', hasArg: ArgKind.Required, val: ch('A') },
  { name: 'core-dump', hasArg: ArgKind.None, val: ch('m') },
  { name: 'core-dump-pattern', hasArg: ArgKind.Optional, val: ch('M') },
  { name: 'no-mem-check', hasArg: ArgKind.None, val: OPT_NO_MEM_CHECK },
  { name: 'namespace', hasArg: ArgKind.Required, val: ch('s') },
  { name: 'config-id', hasArg: ArgKind.Required, val: ch('i') },
  { name: 'signum', hasArg: ArgKind.Required, val: OPT_SIGNUM },
  { name: 'config-test', hasArg: ArgKind.Optional, val: ch('t') },
  { name: 'config-fd', hasArg: ArgKind.Required, val: OPT_CONFIG_FD },
  { name: 'perf', hasArg: ArgKind.Optional, val: OPT_PERF },
  { name: 'debug', hasArg: ArgKind.Optional, val: OPT_DEBUG },
  { name: 'version', hasArg: ArgKind.None, val: ch('v') },
  { name: 'help', hasArg: ArgKind.None, val: ch('h') },
  // beyond keepalived; last, so no abbreviation keepalived accepts changes meaning
  { name: 'status', hasArg: ArgKind.None, val: OPT_STATUS },
];

/** keepalived's optstring for a VRRP + LVS + BFD + SNMP build. */
export const SHORT_OPTIONS = ':vhlndu:DRS:f:p:i:es:mM::g::Gt::PCr:VXac:ITBb:xA:';

const LOCAL_FACILITY_MAX = 7;

/** -S's argument: [0-7] | local[0-7] | user | daemon, with read_unsigned's error reports. */
function parseFacility(arg: string): { facility: number | undefined; errors: string[] } {
  const errors: string[] = [];
  const n = readUnsigned(arg, 0, LOCAL_FACILITY_MAX);
  if (n.ok) return { facility: Facility.local0 + n.value, errors };
  errors.push(n.error);
  if (arg.startsWith('local')) {
    const m = readUnsigned(arg.slice(5), 0, LOCAL_FACILITY_MAX);
    if (m.ok) return { facility: Facility.local0 + m.value, errors };
    errors.push(m.error);
  }
  if (arg === 'daemon') return { facility: Facility.daemon, errors };
  if (arg === 'user') return { facility: Facility.user, errors };
  return { facility: undefined, errors };
}

/**
 * Parses keepalived's command line (without argv[0]) exactly as keepalived
 * 2.2.7 does, including the order of its messages and where parsing stops.
 */
export function parseCommandLine(args: readonly string[], argv0 = 'keepalived'): CliParseResult {
  const o = defaultCliOptions();
  const output: CliOutput[] = [];
  const stderr = (text: string): void => void output.push({ kind: 'stderr', text });
  let badOption = false;
  let reopenLog = false;
  let configErrorRaised = false;
  let umaskFromCmdline = false;
  let firstOption = true;
  let statusQuery = false;
  const argv = [argv0, ...args];
  const g = new Getopt(argv, SHORT_OPTIONS, LONG_OPTIONS);
  const done = (action: CliAction): CliParseResult => ({ options: o, output, action, configErrorRaised });

  /** report_config_error(): to stderr under -t, else to syslog unless -G came first. */
  const configError = (text: string): void => {
    configErrorRaised = true;
    if (o.configTest) stderr(`${text}\n`);
    else if (!o.noSyslog) output.push({ kind: 'syslog', text });
  };

  for (let step = g.next(); step !== undefined; step = g.next()) {
    let c = step.c;
    const optarg = step.optarg;
    if (step.longIndex >= 0 && step.matchedLong?.hasArg === ArgKind.Required && optarg === '') c = ch(':');
    const curArg = step.argv[step.curind] ?? '';

    switch (c) {
      case ch('v'):
        return done({ kind: 'version' });
      case ch('h'):
        return done({ kind: 'help' });
      case ch('l'):
        o.logConsole = true;
        reopenLog = true;
        break;
      case ch('n'):
        o.dontFork = true;
        break;
      case ch('d'):
        o.dumpConf = true;
        break;
      case ch('V'):
        o.dontReleaseVrrp = true;
        break;
      case ch('I'):
        o.dontReleaseIpvs = true;
        break;
      case ch('T'):
        if (!firstOption) {
          const name = step.longIndex === -1 ? '-T' : step.matchedLong!.name;
          stderr(`Warning -- \`${name}\` not used as first option, previous options ignored\n`);
        }
        return done({ kind: 'genhash', argv: [...args] });
      case ch('D'):
        o.logDetail = o.logDetail >= 1 ? 2 : 1;
        break;
      case ch('R'):
        o.dontRespawn = true;
        break;
      case ch('X'):
        o.releaseVips = true;
        break;
      case ch('S'): {
        const { facility, errors } = parseFacility(optarg!);
        errors.forEach(configError);
        if (facility !== undefined) {
          o.logFacility = facility;
          reopenLog = true;
        } else if (!reopenLog) {
          // keepalived tests its "log needs reopening" flag here, so an earlier -l/-G/-S hides the message.
          stderr(`Invalid log facility '${optarg}'\n`);
        }
        break;
      }
      case ch('g'):
        o.logFile = optarg ? optarg : 'keepalived.log';
        break;
      case OPT_FLUSH_LOG_FILE:
        o.flushLogFile = true;
        break;
      case ch('G'):
        o.noSyslog = true;
        reopenLog = true;
        break;
      case ch('u'): {
        const mask = parseUmask(optarg!);
        if (mask === undefined) {
          stderr(`Invalid --umask option ${optarg}`);
          if (umaskFromCmdline) o.umask = 0;
        } else {
          umaskFromCmdline = true;
          o.umask = mask;
        }
        break;
      }
      case ch('t'):
        o.configTest = true;
        o.dontRespawn = true;
        o.dontFork = true;
        o.noSyslog = true;
        if (optarg) {
          o.configTestLogFile = optarg;
          output.push({ kind: 'redirect-stderr', path: optarg });
        }
        break;
      case ch('f'):
        o.configFile = optarg;
        break;
      case ch('P'):
        o.daemons.checkers = false;
        break;
      case ch('C'):
        o.daemons.vrrp = false;
        break;
      case ch('B'):
        o.daemons.bfd = false;
        break;
      case ch('p'):
        o.pidFile = optarg;
        break;
      case ch('c'):
        o.checkersPidFile = optarg;
        break;
      case ch('a'):
        o.addressMonitoring = true;
        break;
      case ch('r'):
        o.vrrpPidFile = optarg;
        break;
      case ch('b'):
        o.bfdPidFile = optarg;
        break;
      case ch('x'):
        o.snmp = true;
        break;
      case ch('A'):
        o.snmpAgentSocket = optarg;
        break;
      case ch('M'):
        o.coreDumpPattern = optarg ? optarg : (o.coreDumpPattern ?? true);
        o.coreDump = true;
        break;
      case ch('m'):
        o.coreDump = true;
        break;
      case ch('s'):
        o.namespace = optarg;
        break;
      case ch('e'):
        o.allConfig = true;
        break;
      case ch('i'):
        o.configId = optarg;
        break;
      case OPT_SIGNUM: {
        const signum = signalNumberFor(optarg!);
        if (signum === undefined) {
          stderr(`Unknown sigfunc ${optarg}\n`);
          return done({ kind: 'exit', code: 1 });
        }
        return done({ kind: 'signum', signum });
      }
      case OPT_ALL:
        o.runAllChildren = true;
        o.daemons = { vrrp: true, checkers: true, bfd: true };
        break;
      case OPT_PERF:
        if (!optarg || optarg === 'run') o.perf = 'run';
        else if (optarg === 'all' || optarg === 'end') o.perf = optarg;
        else output.push({ kind: 'syslog', text: `Unknown perf start point ${optarg}` });
        break;
      case OPT_DEBUG:
        o.debugOptions = optarg ?? '';
        break;
      case OPT_NO_MEM_CHECK:
        o.noMemCheck = true;
        break;
      case OPT_CONFIG_FD:
        o.configFd = atoi(optarg!);
        break;
      case ch('?'):
        if (step.optopt && curArg[1] !== '-') stderr(`Unknown option -${String.fromCharCode(step.optopt)}\n`);
        else stderr(`Unknown option ${curArg}\n`);
        badOption = true;
        break;
      case ch(':'):
        if (step.optopt && curArg[1] !== '-') stderr(`Missing parameter for option -${String.fromCharCode(step.optopt)}\n`);
        // keepalived indexes long_options[] with an index glibc leaves at -1 here; we name the option.
        else stderr(`Missing parameter for option --${step.matchedLong?.name ?? ''}\n`);
        badOption = true;
        break;
      case OPT_STATUS:
        statusQuery = true;
        break;
      default:
        return done({ kind: 'exit', code: 1 });
    }
    firstOption = false;
  }

  const operands = g.operands();
  if (operands.length > 0) {
    output.push({ kind: 'stdout', text: `Unexpected argument(s): ${operands.map((a) => `${a} `).join('')}\n` });
  }
  if (badOption) return done({ kind: 'exit', code: 1 });
  return done({ kind: statusQuery ? 'status' : 'run' });
}
