/**
 * VRRP dump sections about tracked objects: "VRRP Sync groups",
 * "VRRP Scripts", "VRRP Track files", "VRRP Track processes",
 * "Static Track groups" (vrrp_data.c, track_file.c, vrrp_static_track.c).
 */
import type { KeepalivedConfig, ScriptCommand, TrackedObject, VrrpSyncGroup } from '../model/index.js';
import { cmdStr, fixed6, uidGid, type ScriptFormatOptions } from './format.js';

export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/** Live state of a sync group (vrrp_sgroup_t). Start-up default: INIT, every member counted as init. */
export interface SyncGroupRuntime {
  state: VrrpStateName;
  numMemberFault: number;
  numMemberInit: number;
}

/** Live state of a vrrp_script. Start-up default: result 0, init state INIT (also with init_fail), idle. */
export interface VrrpScriptRuntime {
  /** keepalived's result counter (0..rise+fall-1); "Status = GOOD" when >= rise. */
  result: number;
  initState: 'INIT' | 'INIT/FAILED' | 'INIT/RELOAD' | 'unknown';
  state: 'idle' | 'running' | 'requested termination' | 'forcing termination';
  insecure?: boolean;
}

/** Live state of a track_file: the value last read from the file (start-up default 0). */
export interface TrackFileRuntime {
  status: number;
}

/** Live state of a vrrp_track_process. */
export interface TrackProcessRuntime {
  currentProcesses: number;
  haveQuorum: boolean;
  forkTimerRunning: boolean;
  terminateTimerRunning: boolean;
}

export interface VrrpTrackingRuntime {
  syncGroup?(name: string): SyncGroupRuntime | undefined;
  script?(name: string): VrrpScriptRuntime | undefined;
  trackFile?(name: string): TrackFileRuntime | undefined;
  trackProcess?(name: string): TrackProcessRuntime | undefined;
}

/** 'startup' = the -d log form (keepalived's fp == NULL), 'data' = the USR1 file. */
export type DumpMode = 'startup' | 'data';

interface Tracker { instance: string; weight: number; reverse: boolean }

/** Who tracks a named object, in the order keepalived links them (instances, then sync group members). */
function trackersOf(config: KeepalivedConfig, name: string, pick: (o: { trackScripts: TrackedObject[]; trackFiles: TrackedObject[]; trackProcesses: TrackedObject[] }) => TrackedObject[], defaultWeight: (t: TrackedObject) => number): Tracker[] {
  const out: Tracker[] = [];
  for (const i of config.vrrpInstances) {
    const group = i.syncGroup ? config.vrrpSyncGroups.find((g) => g.name === i.syncGroup) : undefined;
    for (const t of pick(i)) {
      // keepalived drops weighted tracking by members of a sync group without sync_group_tracking_weight
      if (t.name !== name) continue;
      out.push({ instance: i.name, weight: group && !group.syncGroupTrackingWeight ? 0 : defaultWeight(t), reverse: t.reverse });
    }
  }
  for (const g of config.vrrpSyncGroups) {
    for (const t of pick(g)) {
      if (t.name !== name) continue;
      for (const member of g.group) out.push({ instance: member, weight: t.weight ?? 0, reverse: t.reverse });
    }
  }
  return out;
}

function trackingLines(list: Tracker[]): string[] {
  if (!list.length) return [];
  return ['   Tracking instances :', ...list.map((t) => `     ${t.instance}, weight ${t.weight}${t.reverse ? ' reverse' : ''}`)];
}

function notifyLine(label: string, s: ScriptCommand | undefined, o: ScriptFormatOptions): string[] {
  return s ? [`   ${label} state transition script = ${cmdStr(s, o)}, uid:gid ${uidGid(s, o)}`] : [];
}

/** The tracked-object lines of an instance or sync group ("     name weight N" / "     name, weight N"). */
export function trackedLines(kind: 'if' | 'script' | 'file' | 'process' | 'bfd', list: TrackedObject[], defaultWeight: (t: TrackedObject) => number): string[] {
  const comma = kind === 'file' || kind === 'process' ? ',' : '';
  return list.map((t) => `     ${t.name}${comma} weight ${defaultWeight(t)}${t.reverse ? ' reverse' : ''}`);
}

export function dumpSyncGroup(g: VrrpSyncGroup, config: KeepalivedConfig, rt: SyncGroupRuntime | undefined, o: ScriptFormatOptions): string[] {
  const state = rt ?? { state: 'INIT' as const, numMemberFault: 0, numMemberInit: g.group.length };
  const out = [` VRRP Sync Group = ${g.name}, ${state.state}`, `   Num member fault ${state.numMemberFault}, num member init ${state.numMemberInit}`];
  if (g.group.length) out.push('   VRRP member instances :', ...g.group.map((n) => `     ${n}`));
  if (g.syncGroupTrackingWeight) out.push('   sync group tracking weight set');
  const smtp = g.smtpAlert ?? config.global.smtpAlertVrrp ?? config.global.smtpAlert ?? false;
  out.push(`   Using smtp notification = ${smtp ? 'yes' : 'no'}`);
  if (g.notifyPriorityChanges !== undefined) out.push(`   Notify priority changes = ${g.notifyPriorityChanges ? 'yes' : 'no'}`);
  const scriptWeight = (t: TrackedObject): number => t.weight ?? config.vrrpScripts.find((s) => s.name === t.name)?.weight ?? 0;
  const fileWeight = (t: TrackedObject): number => t.weight ?? config.trackFiles.find((f) => f.name === t.name)?.weight ?? 1;
  const processWeight = (t: TrackedObject): number => t.weight ?? config.trackProcesses.find((p) => p.name === t.name)?.weight ?? 0;
  const section = (title: string, lines: string[]): void => { if (lines.length) out.push(title, ...lines); };
  section('   Tracked interfaces :', trackedLines('if', g.trackInterfaces, (t) => t.weight ?? 0));
  section('   Tracked scripts :', trackedLines('script', g.trackScripts, scriptWeight));
  section('   Tracked files :', trackedLines('file', g.trackFiles, fileWeight));
  section('   Tracked process :', trackedLines('process', g.trackProcesses, processWeight));
  section('   Tracked BFDs :', trackedLines('bfd', g.trackBfds, (t) => t.weight ?? 0));
  out.push(...notifyLine('Backup', g.notifyBackup, o), ...notifyLine('Master', g.notifyMaster, o), ...notifyLine('Fault', g.notifyFault, o),
    ...notifyLine('Stop', g.notifyStop, o), ...notifyLine('Generic', g.notify, o));
  return out;
}

export function dumpVrrpScripts(config: KeepalivedConfig, rt: VrrpTrackingRuntime | undefined, o: ScriptFormatOptions): string[] {
  const out: string[] = [];
  for (const s of config.vrrpScripts) {
    const live = rt?.script?.(s.name) ?? { result: 0, initState: 'INIT', state: 'idle' };
    const trackers = trackersOf(config, s.name, (x) => x.trackScripts, (t) => t.weight ?? s.weight);
    out.push(` VRRP Script = ${s.name}`, `   Command = ${cmdStr(s.script, o)}`,
      `   Interval = ${Math.floor(s.intervalUs / 1e6)} sec`, `   Timeout = ${Math.floor(s.timeoutUs / 1e6)} sec`,
      `   Weight = ${s.weight}${s.weightReverse ? ' reverse' : ''}`, `   Rise = ${s.rise}`, `   Fall = ${s.fall}`,
      `   Result = ${live.result}`, `   Insecure = ${live.insecure ? 'yes' : 'no'}`, `   Init state = ${live.initState}`,
      `   Status = ${live.result >= s.rise ? 'GOOD' : 'BAD'}`, `   Script uid:gid = ${uidGid(s.script, o)}`,
      '   VRRP instances :', ...trackingLines(trackers), `   State = ${live.state}`);
  }
  return out;
}

export function dumpTrackFiles(config: KeepalivedConfig, rt: VrrpTrackingRuntime | undefined): string[] {
  const out: string[] = [];
  for (const f of config.trackFiles) {
    const trackers = trackersOf(config, f.name, (x) => x.trackFiles, (t) => t.weight ?? f.weight);
    out.push(` Track file = ${f.name}`, `   File = ${f.file}`, `   Status = ${rt?.trackFile?.(f.name)?.status ?? f.initValue ?? 0}`,
      `   Weight = ${f.weight}${f.weightReverse ? ' reverse' : ''}`, ...trackingLines(trackers));
  }
  return out;
}

export function dumpTrackProcesses(config: KeepalivedConfig, rt: VrrpTrackingRuntime | undefined, mode: DumpMode): string[] {
  const out: string[] = [];
  for (const p of config.trackProcesses) {
    const live = rt?.trackProcess?.(p.name) ?? { currentProcesses: 0, haveQuorum: false, forkTimerRunning: false, terminateTimerRunning: false };
    out.push(` VRRP Track process = ${p.name}`, `   Process = ${p.process}`);
    if (p.params.length) out.push(`   Parameters = ${p.params.join(' ')}`);
    if (p.paramMatch !== 'none') out.push(`   Param match${p.paramMatch === 'exact' ? '' : ` = ${p.paramMatch}`}`);
    out.push(`   Min processes = ${p.quorum}`);
    // keepalived's "unlimited" is UINT_MAX; the model caps the keyword at 65535
    if (p.quorumMax < 65535) out.push(`   Max processes = ${p.quorumMax}`);
    out.push(`   Current processes = ${live.currentProcesses}`, `   Have quorum = ${live.haveQuorum ? 'true' : 'false'}`,
      `   Weight = ${p.weight}${p.weightReverse ? ' reverse' : ''}`,
      `   Terminate delay = ${fixed6(p.terminateDelayUs / 1e6)}s`, `   Fork delay = ${fixed6(p.forkDelayUs / 1e6)}s`);
    if (mode === 'data') {
      out.push(`   Fork delay timer ${live.forkTimerRunning ? '' : 'not '}running`, `   Terminate delay timer ${live.terminateTimerRunning ? '' : 'not '}running`);
    }
    out.push(`   Full command = ${p.fullCommand || p.paramMatch !== 'none' ? 'true' : 'false'}`,
      ...trackingLines(trackersOf(config, p.name, (x) => x.trackProcesses, (t) => t.weight ?? p.weight)));
  }
  return out;
}

export function dumpStaticTrackGroups(config: KeepalivedConfig): string[] {
  return config.staticTrackGroups.flatMap((g) => [
    ` Static Track Group = ${g.name}`,
    ...(g.group.length ? ['   VRRP member instances :', ...g.group.map((n) => `     ${n}`)] : []),
  ]);
}
