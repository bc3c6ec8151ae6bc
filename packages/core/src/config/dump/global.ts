/** "------< Global definitions >------" section of keepalived's data dump (dump_global_data). */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { GlobalDefs } from '../model/global.js';

let canonicalName: string | undefined;
/**
 * keepalived's default router_id: the canonical name getaddrinfo(AI_CANONNAME) gives for
 * the node name - with the usual `files` lookup, the first name of the /etc/hosts line
 * that lists it, else the node name itself.
 */
export function localCanonicalName(hosts = (): string => readFileSync('/etc/hosts', 'utf8'), node = hostname()): string {
  try {
    for (const line of hosts().split('\n')) {
      const names = line.replace(/#.*/, '').trim().split(/\s+/).slice(1);
      if (names.includes(node)) return names[0]!;
    }
  } catch {
    // no /etc/hosts: the node name
  }
  return node;
}

const onOff = (v: boolean | undefined): string => (v === undefined ? 'unset' : v ? 'on' : 'off');
const tf = (v: boolean): string => (v ? 'true' : 'false');
const ed = (v: boolean): string => (v ? 'enabled' : 'disabled');

export interface GlobalDumpOptions {
  /** The VRRP process prints the default interface; the parent does not. */
  process?: 'vrrp' | 'parent' | 'checker';
  /** uid:gid of the default script user, when it resolves. */
  defaultScriptUidGid?: string;
  /** libnftnl version keepalived was built with (Debian's 2.2.7: 1.2.3). */
  libnftnlVersion?: string;
  /**
   * Whether vrrp_garp_lower_prio_delay / _repeat were configured. Only the VRRP
   * process fills an unset value in from vrrp_garp_master_*; the parent and
   * checker print it as unset (4294967295). The model keeps only the value, so
   * by default a value equal to keepalived's default counts as unset.
   */
  garpLowerPrioConfigured?: { delay: boolean; repeat: boolean };
}

const PARAMETER_UNSET = 4294967295;

export function dumpGlobal(g: GlobalDefs, opts: GlobalDumpOptions = {}): string[] {
  const out: string[] = ['------< Global definitions >------'];
  const w = (s: string): void => { out.push(` ${s}`); };
  w(`Network namespace = ${g.netNamespace ?? '(default)'}`);
  w(`Network namespace ipvs = ${g.netNamespaceIpvs === undefined ? '(main namespace)' : g.netNamespaceIpvs || '(default)'}`);
  if (g.instance) w(`Instance name = ${g.instance}`);
  if (g.processName) w(`Parent process name = ${g.processName}`);
  if (g.vrrpProcessName) w(`VRRP process name = ${g.vrrpProcessName}`);
  if (g.checkerProcessName) w(`LVS process name = ${g.checkerProcessName}`);
  if (g.bfdProcessName) w(`BFD process name = ${g.bfdProcessName}`);
  w(`Router ID = ${g.routerId ?? (canonicalName ??= localCanonicalName())}`);
  if (g.smtpServer) {
    w(`Smtp server = ${g.smtpServer.host}`);
    w(`Smtp server port = ${g.smtpServer.port}`);
    if (g.smtpHeloName) w(`Smtp HELO name = ${g.smtpHeloName}`);
    w(`Smtp server connection timeout = ${Math.floor(g.smtpConnectTimeoutUs / 1_000_000)}`);
  }
  if (g.notificationEmailFrom) {
    w(`Email notification from = ${g.notificationEmailFrom}`);
    w('Email notification to:');
    for (const e of g.notificationEmail) w(`  ${e}`);
  }
  w(`Default smtp_alert = ${onOff(g.smtpAlert)}`);
  w(`Default smtp_alert_vrrp = ${onOff(g.smtpAlertVrrp)}`);
  w(`Default smtp_alert_checker = ${onOff(g.smtpAlertChecker)}`);
  w(`Checkers log all failures = ${tf(g.checkerLogAllFailures)}`);
  if (g.reloadCheckConfig !== undefined) w(`Test config before reload, log to ${g.reloadCheckConfig}`);
  else w('No test config before reload');
  if (g.reloadTimeFile) {
    w(`Reload time file = ${g.reloadTimeFile}${g.reloadRepeat ? ' (repeat)' : ''}`);
    w('No reload scheduled');
  }
  if (g.reloadFile) w(`Reload_file = ${g.reloadFile}`);
  if (g.tmpConfigDirectory) w(`config save directory = ${g.tmpConfigDirectory}`);
  if (g.dataUseInstance) w('Use instance name in data dumps');
  if (g.startupScript) w(`Startup script = ${g.startupScript.text}, uid:gid 0:0, timeout ${g.startupScriptTimeoutSec ?? 10}`);
  if (g.shutdownScript) w(`Shutdown script = ${g.shutdownScript.text}, uid:gid 0:0 timeout ${g.shutdownScriptTimeoutSec ?? 10}`);
  w(`Dynamic interfaces = ${tf(g.dynamicInterfaces)}`);
  if (g.dynamicInterfaces) w(`Allow interface changes = ${tf(g.allowIfChanges)}`);
  if (g.noEmailFaults) w('Send emails for fault transitions = off');
  if (g.lvsTimeouts.tcp) w(`LVS TCP timeout = ${g.lvsTimeouts.tcp}`);
  if (g.lvsTimeouts.tcpfin) w(`LVS TCP FIN timeout = ${g.lvsTimeouts.tcpfin}`);
  // keepalived labels the UDP timeout "TCP" too
  if (g.lvsTimeouts.udp) w(`LVS TCP timeout = ${g.lvsTimeouts.udp}`);
  if (opts.process === 'vrrp') w(`Default interface = ${g.defaultInterface ?? 'eth0'}`);
  w(`Disable local IGMP = ${g.disableLocalIgmp ? 'yes' : 'no'}`);
  if (g.lvsSyncDaemon) {
    const d = g.lvsSyncDaemon;
    if (d.vrrpInstance) w(`LVS syncd vrrp instance = ${d.vrrpInstance}`);
    w(`LVS syncd interface = ${d.interface}`);
    w(`LVS syncd syncid = ${d.syncId ?? 0}`);
    if (d.maxlen) w(`LVS syncd maxlen = ${d.maxlen}`);
    if (d.group) w(`LVS mcast group ${d.group}`);
    if (d.port) w(`LVS syncd mcast port = ${d.port}`);
    if (d.ttl) w(`LVS syncd mcast ttl = ${d.ttl}`);
  }
  w(`LVS flush = ${tf(g.lvsFlush)}`);
  w(`LVS flush on stop = ${g.lvsFlushOnStop === 'all' ? 'full' : g.lvsFlushOnStop === 'vs' ? 'VS' : 'disabled'}`);
  for (const [label, f] of [['Global', g.notifyFifo], ['VRRP', g.vrrpNotifyFifo], ['LVS', g.lvsNotifyFifo]] as const) {
    if (!f.name) continue;
    w(`${label} notify fifo = ${f.name}, uid:gid 0:0`);
    if (f.script) w(`${label} notify fifo script = ${f.script.text}, uid:gid 0:0`);
  }
  w(`FIFO write vrrp states on reload = ${tf(g.fifoWriteVrrpStatesOnReload)}`);
  w(`VRRP notify priority changes = ${tf(g.vrrpNotifyPriorityChanges)}`);
  w(`VRRP IPv4 mcast group = ${g.vrrpMcastGroup4}`);
  w(`VRRP IPv6 mcast group = ${g.vrrpMcastGroup6}`);
  w(`Gratuitous ARP delay = ${Math.floor(g.vrrpGarpMasterDelayUs / 1_000_000)}`);
  w(`Gratuitous ARP repeat = ${g.vrrpGarpMasterRepeat}`);
  w(`Gratuitous ARP refresh timer = ${g.vrrpGarpMasterRefreshSec}`);
  w(`Gratuitous ARP refresh repeat = ${g.vrrpGarpMasterRefreshRepeat}`);
  const otherProcess = opts.process === 'parent' || opts.process === 'checker';
  const lowerPrioSet = opts.garpLowerPrioConfigured ??
    { delay: g.vrrpGarpLowerPrioDelayUs !== 5_000_000, repeat: g.vrrpGarpLowerPrioRepeat !== 5 };
  w(`Gratuitous ARP lower priority delay = ${!otherProcess || lowerPrioSet.delay ? Math.floor(g.vrrpGarpLowerPrioDelayUs / 1_000_000) : PARAMETER_UNSET}`);
  w(`Gratuitous ARP lower priority repeat = ${!otherProcess || lowerPrioSet.repeat ? g.vrrpGarpLowerPrioRepeat : PARAMETER_UNSET}`);
  w(`Num adverts before down = ${g.vrrpDownTimerAdverts}`);
  w(`Gratuitous ARP for each secondary ${g.vrrpGarpExtraIfAll ? 'i/f' : 'VMAC'} = ${g.vrrpGarpExtraIfSec}s`);
  w(`Send advert after receive lower priority advert = ${tf(!g.vrrpLowerPrioNoAdvert)}`);
  w(`Send advert after receive higher priority advert = ${tf(g.vrrpHigherPrioSendAdvert)}`);
  w(`Gratuitous ARP interval = ${(g.vrrpGarpIntervalUs / 1_000_000).toFixed(6)}`);
  w(`Gratuitous NA interval = ${(g.vrrpGnaIntervalUs / 1_000_000).toFixed(6)}`);
  w(`VRRP default protocol version = ${g.vrrpVersion}`);
  if (g.nftables) {
    w(`nftables table name = ${g.nftables}`);
    w(`nftables base chain priority = ${g.nftablesPriority ?? -1}`);
    w(`nftables ${g.nftablesIfindex ? '' : "don't "}force use ifindex for link local IPv6`);
  }
  if (g.nftablesIpvs) {
    w(`ipvs nftables table name = ${g.nftablesIpvs}`);
    w(`ipvs nftables base chain priority = ${g.nftablesIpvsPriority ?? -1}`);
    w(`ipvs nftables start fwmark = ${g.nftablesIpvsStartFwmark ?? 1000}`);
  }
  w(`nftables with${g.nftablesCounters ? '' : 'out'} counters`);
  w(`libnftnl version ${opts.libnftnlVersion ?? '1.2.3'}`);
  w(`VRRP check unicast_src = ${tf(g.vrrpCheckUnicastSrc)}`);
  w(`VRRP skip check advert addresses = ${tf(g.vrrpSkipCheckAdvAddr)}`);
  w(`VRRP strict mode = ${tf(g.vrrpStrict)}`);
  w(`Max auto priority = ${g.maxAutoPriority === -1 ? 'Disabled' : g.maxAutoPriority}`);
  w(`Min auto priority delay = ${g.minAutoPriorityDelayUs} usecs`);
  for (const [label, p] of [['VRRP', g.vrrp], ['Checker', g.checker], ['BFD', g.bfd]] as const) {
    w(`${label} process priority = ${p.priority}`);
    w(`${label} don't swap = ${tf(p.noSwap)}`);
    w(`${label} realtime priority = ${p.realtimePriority}`);
    if (p.cpuAffinity.length) w(`${label} CPU Affinity = ${p.cpuAffinity.join(' ')}`);
    w(`${label} realtime limit = ${p.rlimitRttime}`);
  }
  w(`SNMP vrrp ${ed(g.enableSnmpVrrp)}`);
  w(`SNMP checker ${ed(g.enableSnmpChecker)}`);
  w(`SNMP RFCv2 ${ed(g.enableSnmpRfcv2)}`);
  w(`SNMP RFCv3 ${ed(g.enableSnmpRfcv3)}`);
  w(`SNMP traps ${ed(g.enableTraps)}`);
  w(`SNMP socket = ${g.snmpSocket ?? 'default (unix:/var/agentx/master)'}`);
  w(`DBus ${ed(g.enableDbus)}`);
  w(`DBus service name = ${g.dbusServiceName ?? ''}`);
  w(`Script security ${ed(g.enableScriptSecurity)}`);
  w(`Default script uid:gid ${opts.defaultScriptUidGid ?? '0:0'}`);
  for (const key of ['vrrp_netlink_cmd_rcv_bufs', 'vrrp_netlink_monitor_rcv_bufs', 'process_monitor_rcv_bufs', 'lvs_netlink_cmd_rcv_bufs', 'lvs_netlink_monitor_rcv_bufs']) {
    w(`${key} = ${g.netlinkBufs[key] ?? 0}`);
    w(`${key}_force = ${g.netlinkBufsForce[key] ? 1 : 0}`);
  }
  w(`rs_init_notifies = ${g.rsInitNotifies ? 1 : 0}`);
  w(`no_checker_emails = ${g.noCheckerEmails ? 1 : 0}`);
  const policy = g.vrrpRxBufsPolicy;
  if (policy.includes('MTU')) w('rx_bufs_policy = MTU');
  else if (policy.includes('ADVERT')) w('rx_bufs_policy = ADVERT');
  else if (policy.length && /^\d+$/.test(policy[0]!)) w(`rx_bufs_size = ${policy[0]}`);
  w(`rx_bufs_multiples = ${g.vrrpRxBufsMultiplier}`);
  w(`umask = 0${g.umask.toString(8)}`);
  if (g.vrrpStartupDelayUs) w(`vrrp_startup_delay = ${g.vrrpStartupDelayUs / 1_000_000}`);
  if (g.logUnknownVrids) w('log_unknown_vrids');
  if (g.vmacPrefix) w(`VMAC prefix = ${g.vmacPrefix}`);
  if (g.vmacAddrPrefix) w(`VMAC address prefix = ${g.vmacAddrPrefix}`);
  return out;
}
