/** global_defs keywords and the root-level global ones (core/global_parser.c init_global_keywords). */
import { availableParallelism } from 'node:os';
import type { GlobalDefs } from '../model/global.js';
import type { ConfigStatement } from '../tree.js';
import type { KeywordEnv, KeywordSpec, KeywordTable } from './types.js';
import { ignored, kw, valueLines } from './types.js';
import { blockEndLoc } from './walk.js';
import { boolField, flagField, stringField, timerField, uintField } from './generic.js';
import { resolveScriptUser, scriptFrom } from './shared.js';
import { checkTrueFalse, isMulticast, parseIpLiteral, parseCInteger, readInt, readUnsigned, TIMER_HZ, INT_MAX, UINT_MAX } from './values.js';

type G = GlobalDefs;

function processName(field: 'processName' | 'vrrpProcessName' | 'checkerProcessName' | 'bfdProcessName'): KeywordSpec<G> {
  return kw((s, g, env) => {
    const name = s.words[1];
    if (name === undefined) return env.error('Process name missing');
    if (name.length >= 16) env.error(`Process name ${name} more than 15 characters, truncating`);
    g[field] = name.slice(0, 15);
  });
}

function trueFalse(field: keyof G & string, message: string): KeywordSpec<G> {
  return boolField<G>(field, message);
}

function garpRepeat(field: 'vrrpGarpMasterRepeat' | 'vrrpGarpMasterRefreshRepeat', keyword: string): KeywordSpec<G> {
  return kw((s, g, env) => {
    let n = readUnsigned(env, env.arg(s, 1), 0, UINT_MAX);
    if (n === undefined) return env.error(`${keyword} '${s.words[1]}' invalid - ignoring`);
    if (n === 0) {
      env.error(`${keyword} must be greater than 0, setting to 1`);
      n = 1;
    }
    g[field] = n;
  });
}

function mcastGroup(field: 'vrrpMcastGroup4' | 'vrrpMcastGroup6', family: 'inet' | 'inet6', keyword: string): KeywordSpec<G> {
  return kw((s, g, env) => {
    const text = env.arg(s, 1);
    const fam = parseIpLiteral(text);
    if (!fam) return env.error(`Can't parse ${keyword} [${text}]. Skipping`);
    if (fam !== family) return env.error(`${keyword} [${text}] is not ${family === 'inet' ? 'IPv4' : 'IPv6'}. Skipping`);
    if (!isMulticast(fam, text)) return env.error(`${keyword} [${text}] is not multicast. Skipping`);
    g[field] = text;
  });
}

function tuning(which: 'vrrp' | 'checker' | 'bfd', what: 'priority' | 'no_swap' | 'rt_priority' | 'cpu_affinity' | 'rlimit'): KeywordSpec<G> {
  const process = which;
  return kw((s, g, env) => {
    const t = g[which];
    switch (what) {
      case 'priority': {
        if (s.words.length < 2) return env.error(`No ${process} process priority specified`);
        const n = readInt(env, s.words[1]!, -20, 19);
        if (n === undefined) return env.error(`Invalid ${process} process priority specified`);
        t.priority = n;
        return;
      }
      case 'no_swap': t.noSwap = true; return;
      case 'rt_priority': {
        if (s.words.length < 2) return env.error(`No ${process} process real-time priority specified`);
        const n = readInt(env, s.words[1]!, -2147483648, 2147483647);
        if (n === undefined) return env.error(`${process} process real-time priority '${s.words[1]}' invalid`);
        if (n < 1) env.error(`${process} process real-time priority ${n} less than minimum 1 - setting to minimum`);
        if (n > 99) env.error(`${process} process real-time priority ${n} greater than maximum 99 - setting to maximum`);
        t.realtimePriority = Math.min(99, Math.max(1, n));
        return;
      }
      case 'cpu_affinity': {
        if (s.words.length < 2) return env.error(`No ${process} cpu_id set specified`);
        // get_cpu_affinity: every id must be an online CPU (0 .. nprocs-1); the first bad one empties the set
        const online = availableParallelism();
        const cpus: number[] = [];
        for (const w of s.words.slice(1)) {
          const n = readInt(env, w, 0, online - 1);
          if (n === undefined) {
            t.cpuAffinity = [];
            const { value, complete } = parseCInteger(w);
            return env.error(`Invalid cpu_id:${complete ? value : 0} specified for ${process} process`);
          }
          cpus.push(n);
        }
        t.cpuAffinity = cpus;
        return;
      }
      case 'rlimit': {
        const n = readUnsigned(env, env.arg(s, 1), 1, UINT_MAX);
        if (n === undefined) return env.error(`Invalid ${process} real-time limit - ${s.words[1]}`);
        t.rlimitRttime = n;
      }
    }
  });
}

function fifo(field: 'notifyFifo' | 'vrrpNotifyFifo' | 'lvsNotifyFifo', type: string, script: boolean): KeywordSpec<G> {
  return kw((s, g, env) => {
    const f = g[field];
    if (s.words.length < 2) return env.error(`No ${type}notify_fifo${script ? '_script' : ''} ${script ? '' : 'name '}specified`.replace(' specified', ' specified').replace('  ', ' '));
    if (script) {
      if (f.script) return env.error(`${type}notify_fifo_script already specified - ignoring ${s.words[1]}`);
      f.script = scriptFrom(s);
    } else {
      if (f.name) return env.error(`${type}notify_fifo already specified - ignoring ${s.words[1]}`);
      f.name = s.words[1];
    }
  });
}

function rcvBufs(key: string): KeywordSpec<G> {
  return kw((s, g, env) => {
    if (s.words.length < 2) return env.error(`${key} size missing`);
    const n = readUnsigned(env, s.words[1]!, 0, UINT_MAX);
    if (n === undefined) return env.error(`${key} size (${s.words[1]}) invalid`);
    g.netlinkBufs[key] = n;
  });
}

function rcvBufsForce(key: string): KeywordSpec<G> {
  return kw((s, g, env) => {
    const r = s.words.length < 2 ? true : checkTrueFalse(s.words[1]!);
    if (r === undefined) return env.error(`Invalid value '${s.words[1]}' for global ${key}_force specified`);
    g.netlinkBufsForce[key] = r;
  });
}

function startupScript(field: 'startupScript' | 'shutdownScript', type: string): KeywordSpec<G> {
  return kw((s, g, env) => {
    if (g[field]) return env.error(`${type} script already specified`);
    if (s.words.length < 2) return env.error(`${type} script missing`);
    g[field] = scriptFrom(s);
    const tField = field === 'startupScript' ? 'startupScriptTimeoutSec' : 'shutdownScriptTimeoutSec';
    g[tField] ??= 10;
  });
}

function lvsSyncDaemon(s: ConfigStatement, g: G, env: KeywordEnv): void {
  if (g.lvsSyncDaemon) return env.error(`lvs_sync_daemon has already been specified as ${g.lvsSyncDaemon.interface} ${g.lvsSyncDaemon.vrrpInstance ?? ''} - ignoring`);
  if (s.words.length < 2) return env.error('lvs_sync_daemon requires interface');
  const d: NonNullable<G['lvsSyncDaemon']> = { interface: s.words[1]! };
  let i = 2;
  if (s.words[2] !== undefined && !['id', 'maxlen', 'port', 'ttl', 'group'].includes(s.words[2])) d.vrrpInstance = s.words[i++];
  for (; i < s.words.length; i += 2) {
    const opt = s.words[i]!;
    const val = s.words[i + 1];
    const ranges: Record<string, [number, number, 'syncId' | 'maxlen' | 'port' | 'ttl']> = {
      id: [0, 255, 'syncId'], maxlen: [1, 65535 - 20 - 8, 'maxlen'], port: [1, 65535, 'port'], ttl: [1, 255, 'ttl'],
    };
    if (opt === 'group') {
      if (val === undefined) env.error('No value specified for lvs_sync_daemon group - ignoring');
      else d.group = val;
    } else if (ranges[opt]) {
      const [min, max, field] = ranges[opt]!;
      if (val === undefined) { env.error(`No value specified for lvs_sync_daemon ${opt} - ignoring`); continue; }
      const n = readUnsigned(env, val, min, max);
      if (n === undefined) env.error(opt === 'id' ? `Invalid syncid (${val}) - defaulting to vrid` : `Invalid lvs_sync_daemon ${opt} (${val}) - ignoring`);
      else d[field] = n;
    } else {
      env.error(`Unknown option ${opt} specified for lvs_sync_daemon`);
      i--;
    }
  }
  g.lvsSyncDaemon = d;
}

export const globalDefsKeywords: KeywordTable<G> = {
  process_names: kw((_s, g) => { g.vrrpProcessName = 'keepalived_vrrp'; g.checkerProcessName = 'keepalived_lvs'; g.bfdProcessName = 'keepalived_bfd'; }),
  process_name: processName('processName'),
  vrrp_process_name: processName('vrrpProcessName'),
  checker_process_name: processName('checkerProcessName'),
  lvs_process_name: kw((s, g, env) => {
    env.error("'lvs_process_name' is deprecated - please use 'checker_process_name'", 'log');
    processName('checkerProcessName').handler!(s, g, env);
  }),
  bfd_process_name: processName('bfdProcessName'),
  router_id: stringField<G>('routerId', 'routerid name missing - ignoring'),
  notification_email_from: stringField<G>('notificationEmailFrom', 'emailfrom missing - ignoring'),
  smtp_server: kw((s, g, env) => {
    const host = env.arg(s, 1);
    const port = s.words[2] !== undefined ? Number(s.words[2]) : 25;
    if (!Number.isInteger(port) || port < 0 || port > 65535) return env.error(`Invalid smtp server ${host} ${s.words[2]}`);
    g.smtpServer = { host, port };
  }),
  smtp_helo_name: kw((s, g) => { if (s.words[1] !== undefined) g.smtpHeloName = s.words[1]; }),
  smtp_connect_timeout: kw((s, g, env) => {
    let n = readUnsigned(env, env.arg(s, 1), 0, Math.floor(UINT_MAX / TIMER_HZ));
    if (n === undefined) return env.error(`smtp_connect_timeout '${s.words[1]}' must be in [0, ${Math.floor(UINT_MAX / TIMER_HZ)}] - ignoring`);
    if (n === 0) {
      env.error('smtp_conect_timeout must be greater than 0, setting to 1');
      n = 1;
    }
    g.smtpConnectTimeoutUs = n * TIMER_HZ;
  }),
  notification_email: kw((s, g, env) => {
    const lines = valueLines(s);
    if (lines.length === 0) {
      env.loc = blockEndLoc(s);
      return env.error('Warning - empty notification_email block');
    }
    for (const l of lines) g.notificationEmail.push(...l.words);
  }),
  smtp_alert: trueFalse('smtpAlert', "Invalid value '%s' for global smtp_alert specified"),
  startup_script: startupScript('startupScript', 'startup'),
  startup_script_timeout: uintField<G>('startupScriptTimeoutSec', 1, 1000, "startup_script_timeout '%s' must be in [1, 1000] - ignoring"),
  shutdown_script: startupScript('shutdownScript', 'shutdown'),
  shutdown_script_timeout: uintField<G>('shutdownScriptTimeoutSec', 1, 1000, "shutdown_script_timeout '%s' must be in [1, 1000] - ignoring"),
  max_auto_priority: kw((s, g, env) => {
    const n = s.words.length < 2 ? 99 : readInt(env, s.words[1]!, -1, 99);
    if (n === undefined) return env.error(`max_auto_priority '${s.words[1]}' must be in [0, 99] (or -1 to disable) - ignoring`);
    g.maxAutoPriority = n;
  }),
  min_auto_priority_delay: kw((s, g, env) => {
    if (s.words.length < 2) return env.error('min_auto_priority_delay requires delay time');
    const n = readInt(env, s.words[1]!, 1, 10000000);
    if (n === undefined) return env.error(`min_auto_priority_delay '${s.words[1]}' must be in [1, 10000000] - ignoring`);
    g.minAutoPriorityDelayUs = n;
  }),
  smtp_alert_vrrp: trueFalse('smtpAlertVrrp', "Invalid value '%s' for global smtp_alert_vrrp specified"),
  smtp_alert_checker: trueFalse('smtpAlertChecker', "Invalid value '%s' for global smtp_alert_checker specified"),
  checker_log_all_failures: trueFalse('checkerLogAllFailures', 'Invalid value for checker_log_all_failures specified'),
  dynamic_interfaces: kw((s, g, env) => {
    g.dynamicInterfaces = true;
    if (s.words.length >= 2) {
      if (s.words[1] === 'allow_if_changes') g.allowIfChanges = true;
      else env.error(`Unknown dynamic_interfaces option '${s.words[1]}'`);
    }
  }),
  no_email_faults: flagField<G>('noEmailFaults'),
  default_interface: stringField<G>('defaultInterface', 'default_interface requires interface name'),
  disable_local_igmp: flagField<G>('disableLocalIgmp'),
  lvs_timeouts: kw((s, g, env) => {
    if (s.words.length < 3) return env.error('lvs_timeouts requires at least one option');
    for (let i = 1; i < s.words.length; i += 2) {
      const opt = s.words[i]!;
      if (opt !== 'tcp' && opt !== 'tcpfin' && opt !== 'udp') {
        env.error(`Unknown option ${opt} specified for lvs_timeouts`);
        i--;
        continue;
      }
      if (s.words[i + 1] === undefined) { env.error(`No value specified for lvs_timeout ${opt} - ignoring`); continue; }
      const n = readUnsigned(env, s.words[i + 1]!, 0, 86400 * 31);
      if (n === undefined) env.error(`Invalid lvs_timeout ${opt} (${s.words[i + 1]}) - ignoring`);
      else g.lvsTimeouts[opt] = n;
    }
  }),
  lvs_flush: flagField<G>('lvsFlush'),
  lvs_flush_on_stop: kw((s, g, env) => {
    if (s.words.length < 2) g.lvsFlushOnStop = 'all';
    else if (s.words[1] === 'VS') g.lvsFlushOnStop = 'vs';
    else env.error(`Unknown lvs_flush_on_stop type ${s.words[1]}`);
  }),
  lvs_flush_onstop: kw((s, g, env) => globalDefsKeywords.lvs_flush_on_stop!.handler!(s, g, env)),
  lvs_sync_daemon: kw(lvsSyncDaemon),
  vrrp_mcast_group4: mcastGroup('vrrpMcastGroup4', 'inet', 'vrrp_mcast_group4'),
  vrrp_mcast_group6: mcastGroup('vrrpMcastGroup6', 'inet6', 'vrrp_mcast_group6'),
  vrrp_garp_master_delay: uintField<G>('vrrpGarpMasterDelayUs', 0, Math.floor(UINT_MAX / TIMER_HZ), "vrrp_garp_master_delay '%s' invalid - ignoring", TIMER_HZ),
  vrrp_garp_master_repeat: garpRepeat('vrrpGarpMasterRepeat', 'vrrp_garp_master_repeat'),
  vrrp_garp_master_refresh: uintField<G>('vrrpGarpMasterRefreshSec', 0, UINT_MAX, "Invalid vrrp_garp_master_refresh '%s' - ignoring"),
  vrrp_garp_master_refresh_repeat: garpRepeat('vrrpGarpMasterRefreshRepeat', 'vrrp_garp_master_refresh_repeat'),
  vrrp_garp_lower_prio_delay: uintField<G>('vrrpGarpLowerPrioDelayUs', 0, Math.floor(UINT_MAX / TIMER_HZ), "vrrp_garp_lower_prio_delay '%s' invalid - ignoring", TIMER_HZ),
  vrrp_garp_lower_prio_repeat: uintField<G>('vrrpGarpLowerPrioRepeat', 0, INT_MAX, "Invalid vrrp_garp_lower_prio_repeat '%s'"),
  vrrp_down_timer_adverts: uintField<G>('vrrpDownTimerAdverts', 1, 100, "Invalid vrrp_down_timer_adverts [1:100] '%s'"),
  vrrp_garp_interval: timerField<G>('vrrpGarpIntervalUs', 1, UINT_MAX, "vrrp_garp_interval '%s' is invalid"),
  vrrp_gna_interval: timerField<G>('vrrpGnaIntervalUs', 1, UINT_MAX, "vrrp_gna_interval '%s' is invalid"),
  vrrp_min_garp: trueFalse('vrrpMinGarp', 'Invalid value for vrrp_min_garp specified'),
  vrrp_garp_extra_if: kw(garpExtraIf),
  vrrp_vmac_garp_intvl: kw(garpExtraIf),
  vrrp_lower_prio_no_advert: trueFalse('vrrpLowerPrioNoAdvert', 'Invalid value for vrrp_lower_prio_no_advert specified'),
  vrrp_higher_prio_send_advert: trueFalse('vrrpHigherPrioSendAdvert', 'Invalid value for vrrp_higher_prio_send_advert specified'),
  vrrp_version: kw((s, g, env) => {
    const n = readInt(env, env.arg(s, 1), 2, 3);
    if (n === undefined) return env.error('VRRP Error: Version must be either 2 or 3');
    g.vrrpVersion = n as 2 | 3;
  }),
  // This keepalived build has no iptables: it says so and uses nftables; vrrp_ipsets is then unknown.
  vrrp_iptables: kw((_s, g, env) => {
    env.error("iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option");
    g.nftables ??= 'keepalived';
  }),
  nftables: kw((s, g, env) => {
    if (g.nftables) return env.error('nftables already specified - ignoring');
    const name = s.words[1] ?? 'keepalived';
    if (name.length >= 256) return env.error('nftables table name too long - ignoring');
    g.nftables = name;
  }),
  nftables_priority: kw((s, g, env) => {
    const n = readInt(env, env.arg(s, 1), -2147483648, 2147483647);
    if (n === undefined) env.error(`invalid nftables chain priority '${s.words[1]}'`);
    else g.nftablesPriority = n;
  }),
  nftables_ifindex: boolField<G>('nftablesIfindex'),
  nftables_ipvs: kw((s, g, env) => {
    if (g.nftablesIpvs) return env.error('ipvs nftables already specified - ignoring');
    g.nftablesIpvs = s.words[1] ?? 'keepalived_ipvs';
  }),
  nftables_ipvs_priority: kw((s, g, env) => {
    const n = readInt(env, env.arg(s, 1), -2147483648, 2147483647);
    if (n === undefined) env.error(`invalid ipvs nftables chain priority '${s.words[1]}'`);
    else g.nftablesIpvsPriority = n;
  }),
  nftables_ipvs_start_fwmark: kw((s, g, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, UINT_MAX);
    if (n === undefined) env.error(`invalid ipvs nftables start_fwmark priority '${s.words[1]}'`);
    else g.nftablesIpvsStartFwmark = n;
  }),
  nftables_counters: boolField<G>('nftablesCounters'),
  vrrp_check_unicast_src: flagField<G>('vrrpCheckUnicastSrc'),
  vrrp_skip_check_adv_addr: flagField<G>('vrrpSkipCheckAdvAddr'),
  vrrp_strict: flagField<G>('vrrpStrict'),
  vrrp_priority: tuning('vrrp', 'priority'),
  vrrp_no_swap: tuning('vrrp', 'no_swap'),
  vrrp_rt_priority: tuning('vrrp', 'rt_priority'),
  vrrp_cpu_affinity: tuning('vrrp', 'cpu_affinity'),
  vrrp_rlimit_rttime: tuning('vrrp', 'rlimit'),
  vrrp_rlimit_rtime: tuning('vrrp', 'rlimit'),
  notify_fifo: fifo('notifyFifo', '', false),
  notify_fifo_script: fifo('notifyFifo', '', true),
  vrrp_notify_fifo: fifo('vrrpNotifyFifo', 'vrrp_', false),
  vrrp_notify_fifo_script: fifo('vrrpNotifyFifo', 'vrrp_', true),
  vrrp_notify_priority_changes: trueFalse('vrrpNotifyPriorityChanges', "Invalid value '%s' for global vrrp_notify_priority_changes specified"),
  fifo_write_vrrp_states_on_reload: boolField<G>('fifoWriteVrrpStatesOnReload'),
  lvs_notify_fifo: fifo('lvsNotifyFifo', 'lvs_', false),
  lvs_notify_fifo_script: fifo('lvsNotifyFifo', 'lvs_', true),
  checker_priority: tuning('checker', 'priority'),
  checker_no_swap: tuning('checker', 'no_swap'),
  checker_rt_priority: tuning('checker', 'rt_priority'),
  checker_cpu_affinity: tuning('checker', 'cpu_affinity'),
  checker_rlimit_rttime: tuning('checker', 'rlimit'),
  checker_rlimit_rtime: tuning('checker', 'rlimit'),
  bfd_priority: tuning('bfd', 'priority'),
  bfd_no_swap: tuning('bfd', 'no_swap'),
  bfd_rt_priority: tuning('bfd', 'rt_priority'),
  bfd_cpu_affinity: tuning('bfd', 'cpu_affinity'),
  bfd_rlimit_rttime: tuning('bfd', 'rlimit'),
  bfd_rlimit_rtime: tuning('bfd', 'rlimit'),
  snmp_socket: kw((s, g, env) => {
    if (s.words.length > 2) return env.error('Too many parameters specified for snmp_socket - ignoring');
    if (s.words.length < 2) return env.error('SNMP error : snmp socket name missing');
    if (g.snmpSocket) return env.error(`SNMP socket already set to ${g.snmpSocket} - ignoring`);
    g.snmpSocket = s.words[1];
  }),
  enable_traps: flagField<G>('enableTraps'),
  enable_snmp_vrrp: flagField<G>('enableSnmpVrrp'),
  enable_snmp_keepalived: flagField<G>('enableSnmpVrrp'),
  enable_snmp_rfc: kw((_s, g) => { g.enableSnmpRfcv2 = true; g.enableSnmpRfcv3 = true; }),
  enable_snmp_rfcv2: flagField<G>('enableSnmpRfcv2'),
  enable_snmp_rfcv3: flagField<G>('enableSnmpRfcv3'),
  enable_snmp_checker: flagField<G>('enableSnmpChecker'),
  enable_dbus: flagField<G>('enableDbus'),
  dbus_service_name: stringField<G>('dbusServiceName', 'dbus_service_name missing - ignoring'),
  script_user: kw((s, g, env) => {
    if (s.words.length < 2) return env.error('No script username specified');
    if (!resolveScriptUser(env, s.words[1]!, s.words[2])) return env.error('Error setting global script uid/gid');
    g.scriptUser = s.words[1];
    if (s.words[2] !== undefined) g.scriptGroup = s.words[2];
  }),
  enable_script_security: flagField<G>('enableScriptSecurity'),
  vrrp_netlink_cmd_rcv_bufs: rcvBufs('vrrp_netlink_cmd_rcv_bufs'),
  vrrp_netlink_cmd_rcv_bufs_force: rcvBufsForce('vrrp_netlink_cmd_rcv_bufs'),
  vrrp_netlink_monitor_rcv_bufs: rcvBufs('vrrp_netlink_monitor_rcv_bufs'),
  vrrp_netlink_monitor_rcv_bufs_force: rcvBufsForce('vrrp_netlink_monitor_rcv_bufs'),
  process_monitor_rcv_bufs: rcvBufs('process_monitor_rcv_bufs'),
  process_monitor_rcv_bufs_force: rcvBufsForce('process_monitor_rcv_bufs'),
  lvs_netlink_cmd_rcv_bufs: rcvBufs('lvs_netlink_cmd_rcv_bufs'),
  lvs_netlink_cmd_rcv_bufs_force: rcvBufsForce('lvs_netlink_cmd_rcv_bufs'),
  lvs_netlink_monitor_rcv_bufs: rcvBufs('lvs_netlink_monitor_rcv_bufs'),
  lvs_netlink_monitor_rcv_bufs_force: rcvBufsForce('lvs_netlink_monitor_rcv_bufs'),
  rs_init_notifies: trueFalse('rsInitNotifies', "Invalid value '%s' for global rs_init_notifies specified"),
  no_checker_emails: trueFalse('noCheckerEmails', "Invalid value '%s' for global no_checker_emails specified"),
  vrrp_rx_bufs_policy: kw((s, g, env) => {
    if (s.words.length < 2) return env.error('vrrp_rx_bufs_policy missing');
    g.vrrpRxBufsPolicy = s.words.slice(1);
  }),
  vrrp_rx_bufs_multiplier: uintField<G>('vrrpRxBufsMultiplier', 1, UINT_MAX, 'Invalid vrrp_rx_bufs_multiplier %s'),
  vrrp_startup_delay: timerField<G>('vrrpStartupDelayUs', TIMER_HZ / 1000, UINT_MAX, "vrrp_startup_delay '%s' is invalid"),
  log_unknown_vrids: boolField<G>('logUnknownVrids'),
  vmac_prefix: kw((s, g, env) => {
    if (g.vmacPrefix) return env.error(`vmac prefix has already been specified - ignoring ${s.words[1]}`);
    g.vmacPrefix = env.arg(s, 1);
  }),
  vmac_addr_prefix: kw((s, g, env) => {
    if (g.vmacAddrPrefix) return env.error(`vmac_addr prefix has already been specified - ignoring ${s.words[1]}`);
    g.vmacAddrPrefix = env.arg(s, 1);
  }),
  umask: kw((s, g, env) => {
    if (s.words.length !== 2) return env.error(`${s.words.length === 1 ? 'Missing' : 'Extra'} parameter(s) to umask option`);
    const v = s.words[1]!;
    if (/^0?[0-7]+$/.test(v)) g.umask = parseInt(v, 8);
    else if (/^\d+$/.test(v)) g.umask = Number(v);
    else env.error(`invalid umask value ${v}`);
  }),
  random_seed: uintField<G>('randomSeed', 0, UINT_MAX, 'random_seed %s invalid'),
  reload_check_config: kw((s, g) => { g.reloadCheckConfig = s.words[1] ?? ''; }),
  reload_time_file: stringField<G>('reloadTimeFile', 'reload_time_file invalid'),
  reload_repeat: flagField<G>('reloadRepeat'),
  reload_file: kw((s, g) => { g.reloadFile = s.words[1] ?? '/run/keepalived.reload'; }),
  include_check: kw((s, g, env) => {
    const types = new Set(['read', 'match', 'wildcard_match', 'brace_match']);
    const kept: string[] = [];
    for (let i = 1; i < s.words.length; i++) {
      const w = s.words[i]!;
      const signed = w.startsWith('-') || w.startsWith('+');
      if (!signed && i > 1) {
        env.error(`Duplicate include_check '${w}' specified - ignoring`);
        continue;
      }
      const type = signed ? w.slice(1) : w;
      if (!types.has(type)) env.error(`Unknown include_check type '${type}' - ignoring`);
      else kept.push(w);
    }
    g.includeCheck = s.words.length > 1 ? kept : ['read', 'match', 'wildcard_match', 'brace_match'];
  }),
  config_save_dir: stringField<G>('configSaveDir'),
  tmp_config_directory: kw((s, g, env) => {
    if (g.tmpConfigDirectory) return env.error(`${s.words[0]} already specified - ignoring`);
    if (s.words.length < 2) return env.error(`${s.words[0]} missing directory name`);
    g.tmpConfigDirectory = s.words[1];
  }),
  data_use_instance: trueFalse('dataUseInstance', "Invalid value '%s' for global date_use_instance specified"),
};

function garpExtraIf(s: ConfigStatement, g: G, env: KeywordEnv): void {
  const cmd = s.words[0]!;
  if (cmd === 'vrrp_vmac_garp_intvl') env.error('Keyword "vrrp_vmac_garp_intvl" is deprecated - please use "vrrp_garp_extra_if"');
  let delay: number | undefined;
  for (let i = 1; i < s.words.length; i++) {
    if (s.words[i] === 'all') g.vrrpGarpExtraIfAll = true;
    else if ((delay = readUnsigned(env, s.words[i]!, 1, 86400)) === undefined) return env.error(`${cmd} '${s.words[i]}' invalid - ignoring`);
  }
  if (delay === undefined) return env.error(`${cmd} specified without time - ignoring`);
  g.vrrpGarpExtraIfSec = delay;
}

/** Root-level keywords that set global values (they work outside global_defs). */
export const rootGlobalKeywords: KeywordTable<G> = {
  linkbeat_use_polling: flagField<G>('linkbeatUsePolling'),
  net_namespace: kw((s, g, env) => {
    if (s.words.length < 2) return env.error('net_namespace name missing - ignoring');
    if (g.netNamespace) return env.error(`Duplicate net_namespace definition ${s.words[1]} - ignoring`);
    g.netNamespace = s.words[1];
  }),
  net_namespace_ipvs: kw((s, g, env) => {
    if (g.netNamespaceIpvs !== undefined) return env.error(`Duplicate net_namespace_ipvs definition ${s.words[1]} - ignoring`);
    g.netNamespaceIpvs = s.words[1] ?? '';
  }),
  namespace_with_ipsets: flagField<G>('namespaceWithIpsets'),
  use_pid_dir: flagField<G>('usePidDir'),
  instance: kw((s, g, env) => {
    if (s.words.length < 2) return env.error('instance name missing - ignoring');
    if (g.instance) return env.error(`Duplicate instance definition ${s.words[1]} - ignoring`);
    g.instance = s.words[1];
  }),
  child_wait_time: uintField<G>('childWaitTimeSec', 0, UINT_MAX, 'Invalid child_wait_time %s'),
};

export { ignored };
