/** vrrp_sync_group, garp_group and the other VRRP-side root blocks. */
import type { GarpGroup, VrrpSyncGroup } from '../model/vrrp.js';
import type { KeywordSpec, KeywordTable } from './types.js';
import { kw, valueLines } from './types.js';
import { blockEndLoc } from './walk.js';
import { boolField, scriptField } from './generic.js';
import { parseTrackLine } from './shared.js';
import { checkTrueFalse, readDecimal, INT_MAX } from './values.js';

type SG = VrrpSyncGroup;

function sgTrack(field: 'trackInterfaces' | 'trackScripts' | 'trackFiles' | 'trackProcesses' | 'trackBfds', what: string): KeywordSpec<SG> {
  return kw((s, g, env) => {
    for (const line of valueLines(s)) {
      env.loc = line.loc;
      const obj = parseTrackLine(env, g.name, line.words, what, [-254, 254]);
      if (obj) g[field].push(obj);
    }
  });
}

function sgNotify(field: 'notifyMaster' | 'notifyBackup' | 'notifyFault' | 'notifyStop' | 'notify'): KeywordSpec<SG> {
  return scriptField<SG>(field, (g) => `vrrp group ${g.name}:`);
}

export function newSyncGroup(name: string): SG {
  return {
    name, group: [], trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], trackBfds: [],
    syncGroupTrackingWeight: false,
  };
}

export const syncGroupKeywords: KeywordTable<SG> = {
  group: kw((s, g, env) => {
    if (g.group.length) return env.error(`Group list already specified for sync group ${g.name}`);
    g.group = valueLines(s).flatMap((l) => l.words);
    if (!g.group.length) {
      env.loc = blockEndLoc(s);
      env.error(`Warning - sync group ${g.name} has empty group block`);
    }
  }),
  track_interface: sgTrack('trackInterfaces', 'track_interface'),
  track_script: sgTrack('trackScripts', 'track script'),
  track_file: sgTrack('trackFiles', 'track_file'),
  track_process: sgTrack('trackProcesses', 'track_process'),
  track_bfd: sgTrack('trackBfds', 'track_bfd'),
  notify_backup: sgNotify('notifyBackup'),
  notify_master: sgNotify('notifyMaster'),
  notify_fault: sgNotify('notifyFault'),
  notify_stop: sgNotify('notifyStop'),
  notify: sgNotify('notify'),
  smtp_alert: kw((s, g, env) => {
    const r = s.words.length >= 2 ? checkTrueFalse(s.words[1]!) : true;
    if (r === undefined) env.error(`Invalid vrrp_group smtp_alert parameter ${s.words[1]}`);
    else g.smtpAlert = r;
  }),
  global_tracking: kw((_s, g, env) => {
    env.error(`(${g.name}) global_tracking is deprecated. Use track_interface/script/file on the sync group`);
    g.syncGroupTrackingWeight = true;
  }),
  sync_group_tracking_weight: kw((_s, g) => { g.syncGroupTrackingWeight = true; }),
  notify_priority_changes: boolField<SG>('notifyPriorityChanges', "(%s) Invalid value for sync group notify_priority_changes specified"),
};

export interface GarpGroupDraft extends GarpGroup {
  /** keepalived's aggregation group number: only groups with an interfaces block get one. */
  index: number;
  hasInterfaces?: boolean;
}

function garpInterval(field: 'garpIntervalUs' | 'gnaIntervalUs', keyword: string): KeywordSpec<GarpGroupDraft> {
  return kw((s, d, env) => {
    const n = readDecimal(env, env.arg(s, 1), 0, INT_MAX, 6);
    if (n === undefined) return env.error(`garp_group ${keyword} '${s.words[1]}' invalid`);
    d[field] = n;
    if (n >= 1_000_000) env.error(`The ${keyword} is very large - ${s.words[1]} seconds`, 'log');
  });
}

export const garpGroupKeywords: KeywordTable<GarpGroupDraft> = {
  garp_interval: garpInterval('garpIntervalUs', 'garp_interval'),
  gna_interval: garpInterval('gnaIntervalUs', 'gna_interval'),
  interface: kw((s, d, env) => {
    const name = env.arg(s, 1);
    if (!env.interfaceExists(name) && !env.config.global.dynamicInterfaces) {
      env.nonExistentInterface = true;
      return env.error(`WARNING - interface ${name} specified for garp_group doesn't exist`);
    }
    d.interfaces.push(name);
  }),
  interfaces: kw((s, d, env) => {
    const names = valueLines(s).flatMap((l) => l.words);
    if (!names.length) {
      env.loc = blockEndLoc(s);
      return env.error('Warning - empty garp_group interfaces block');
    }
    d.hasInterfaces = true;
    for (const name of names) {
      if (!env.interfaceExists(name) && !env.config.global.dynamicInterfaces) {
        env.nonExistentInterface = true;
        env.error(`WARNING - interface ${name} specified for garp_group doesn't exist`);
        continue;
      }
      d.interfaces.push(name);
    }
  }),
};
