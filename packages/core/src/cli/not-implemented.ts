/**
 * Options that are parsed (so command lines written for keepalived keep
 * working) but whose effect this implementation does not have yet. The
 * parent logs one line for each one used, at start-up. A subsystem that
 * implements one removes its entry.
 */
import type { CliOptions } from './options.js';

interface Note {
  used(o: CliOptions): boolean;
  text: string;
}

const NOTES: Note[] = [
  { used: (o) => o.snmp, text: '-x/--snmp: SNMP is not implemented; option ignored' },
  { used: (o) => o.snmpAgentSocket !== undefined, text: '-A/--snmp-agent-socket: SNMP is not implemented; option ignored' },
  { used: (o) => o.bfdPidFile !== undefined, text: '-b/--bfd_pid: BFD is not implemented; no BFD child is started' },
  { used: (o) => o.addressMonitoring, text: '-a/--address-monitoring: address change reporting is not implemented yet; option ignored' },
  { used: (o) => o.coreDump, text: '-m/--core-dump: core dump control is not implemented; option ignored' },
  {
    used: (o) => o.coreDumpPattern !== undefined,
    text: '-M/--core-dump-pattern: /proc/sys/kernel/core_pattern is not changed; option ignored',
  },
  { used: (o) => o.perf !== undefined, text: '--perf: perf data collection is not implemented; option ignored' },
  { used: (o) => o.debugOptions !== undefined, text: '--debug: keepalived debug options are not implemented; option ignored' },
  { used: (o) => o.noMemCheck, text: '--no-mem-check: there is no memory checker to disable; option ignored' },
  { used: (o) => o.configFd !== undefined, text: '--config-fd: configuration passing by descriptor is not implemented; option ignored' },
  { used: (o) => o.namespace !== undefined, text: '-s/--namespace: running in a network namespace is not implemented yet; option ignored' },
];

/** One log line per used option that does nothing yet. */
export function notImplementedLines(o: CliOptions): string[] {
  return NOTES.filter((n) => n.used(o)).map((n) => `keepalived-ts: ${n.text}`);
}
