/**
 * keepalived 2.2.7's usage text (Debian's build), printed by -h/--help to
 * stderr with exit code 0. Byte-for-byte the same as the real one; only
 * argv[0] varies, as it does for keepalived.
 */
export function usageText(argv0: string): string {
  return `Usage: ${argv0} [OPTION...]\n` + USAGE_BODY;
}

const USAGE_BODY = "  -f, --use-file=FILE          Use the specified configuration file\n" +
  "                                default '/etc/keepalived/keepalived.conf'\n" +
  "  -P, --vrrp                   Only run with VRRP subsystem\n" +
  "  -C, --check                  Only run with Health-checker subsystem\n" +
  "  -B, --no_bfd                 Don't run BFD subsystem\n" +
  "      --all                    Force all child processes to run, even if have no configuration\n" +
  "  -l, --log-console            Log messages to local console\n" +
  "  -D, --log-detail             Detailed log messages\n" +
  "  -S, --log-facility=([0-7]|local[0-7]|user|daemon)\n" +
  "                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)\n" +
  "  -G, --no-syslog              Don't log via syslog\n" +
  "  -u, --umask=MASK             umask for file creation (in numeric form)\n" +
  "  -X, --release-vips           Drop VIP on transition from signal.\n" +
  "  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop\n" +
  "  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop\n" +
  "  -R, --dont-respawn           Don't respawn child processes\n" +
  "  -n, --dont-fork              Don't fork the daemon process\n" +
  "  -d, --dump-conf              Dump the configuration data\n" +
  "  -p, --pid=FILE               Use specified pidfile for parent process\n" +
  "  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process\n" +
  "  -T, --genhash                Enter into genhash utility mode (this should be the first option used).\n" +
  "  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process\n" +
  "  -a, --address-monitoring     Report all address additions/deletions notified via netlink\n" +
  "  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process\n" +
  "  -x, --snmp                   Enable SNMP subsystem\n" +
  "  -A, --snmp-agent-socket=FILE Use the specified socket for master agent\n" +
  "  -s, --namespace=NAME         Run in network namespace NAME (overrides config)\n" +
  "  -m, --core-dump              Produce core dump if terminate abnormally\n" +
  "  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')\n" +
  "  -e, --all-config             Error if any configuration file missing (same as includet)\n" +
  "  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id\n" +
  "                                or any lines beginning @^ that do match.\n" +
  "                                The config-id defaults to the node name if option not used\n" +
  "      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON\n" +
  "  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to\n" +
  "                                stderr by default\n" +
  "  -v, --version                Display the version number\n" +
  "  -h, --help                   Display this help message\n";
