/** vrrp_script, track_file / vrrp_track_file, vrrp_track_process blocks. */
import type { ConfigStatement } from '../tree.js';
import type { ScriptCommand } from '../model/common.js';
import type { TrackFile, TrackProcess, VrrpScript } from '../model/vrrp.js';
import type { KeywordEnv, KeywordTable } from './types.js';
import { kw } from './types.js';
import { resolveScriptUser, scriptFrom } from './shared.js';
import { INT_MAX, readDecimal, readInt, readUnsigned, TIMER_HZ, UINT_MAX } from './values.js';

export interface VrrpScriptDraft extends Omit<VrrpScript, 'script'> {
  script?: ScriptCommand;
  userSet: boolean;
  remove: boolean;
  user?: string;
  group?: string;
}

export function newVrrpScriptDraft(name: string): VrrpScriptDraft {
  return { name, intervalUs: TIMER_HZ, timeoutUs: 0, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false, userSet: false, remove: false };
}

function secondsKeyword(kind: 'interval' | 'timeout'): (s: ConfigStatement, d: VrrpScriptDraft, env: KeywordEnv) => void {
  return (s, d, env) => {
    let n = readUnsigned(env, env.arg(s, 1), 0, Math.floor(UINT_MAX / TIMER_HZ));
    if (n === undefined) {
      env.error(kind === 'interval'
        ? `(${d.name}): vrrp script interval '${s.words[1]}' must be between 1 and ${Math.floor(UINT_MAX / TIMER_HZ)} - ignoring`
        : `(${d.name}): vrrp script timeout '${s.words[1]}' invalid - ignoring`);
      return;
    }
    if (n === 0) {
      env.error(`(${d.name}): vrrp script ${kind} must be greater than 0, setting to 1`);
      n = 1;
    }
    if (kind === 'interval') d.intervalUs = n * TIMER_HZ;
    else d.timeoutUs = n * TIMER_HZ;
  };
}

export const vrrpScriptKeywords: KeywordTable<VrrpScriptDraft> = {
  script: kw((s, d) => { d.script = scriptFrom(s); }),
  interval: kw(secondsKeyword('interval')),
  timeout: kw(secondsKeyword('timeout')),
  weight: kw((s, d, env) => {
    const w = readInt(env, env.arg(s, 1), -253, 253);
    if (w === undefined) env.error(`vrrp_script ${d.name} weight ${s.words[1]} must be in [-253, 253]`);
    else d.weight = w;
    if (s.words.length >= 3) {
      if (s.words[2] === 'reverse') d.weightReverse = true;
      else env.error(`vrrp_script ${d.name} unknown weight option ${s.words[2]}`);
    }
  }),
  rise: kw((s, d, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, INT_MAX);
    if (n === undefined) env.error(`(${d.name}): vrrp script rise value '${s.words[1]}' invalid, defaulting to 1`);
    d.rise = n ?? 1;
  }),
  fall: kw((s, d, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, INT_MAX);
    if (n === undefined) env.error(`(${d.name}): vrrp script fall value '${s.words[1]}' invalid, defaulting to 1`);
    d.fall = n ?? 1;
  }),
  user: kw((s, d, env) => {
    const user = env.arg(s, 1);
    if (!resolveScriptUser(env, user, s.words[2])) {
      env.error(`Unable to set uid/gid for script ${d.script?.text ?? ''}`);
      d.remove = true;
      return;
    }
    d.remove = false;
    d.user = user;
    d.group = s.words[2];
    d.userSet = true;
  }),
  init_fail: kw((_s, d) => { d.initFail = true; }),
};

/** vrrp_vscript_end_handler: a script without a command is dropped. */
export function closeVrrpScript(d: VrrpScriptDraft, env: KeywordEnv): VrrpScript | undefined {
  if (!d.script) {
    env.error(`No script set for vrrp_script ${d.name} - removing`);
    return undefined;
  }
  if (d.remove) return undefined;
  const { userSet: _u, remove: _r, user, group, ...rest } = d;
  const script = { ...d.script };
  if (user !== undefined) script.user = user;
  if (group !== undefined) script.group = group;
  return { ...rest, script };
}

export interface TrackFileDraft extends Omit<TrackFile, 'file'> {
  file?: string;
  weightSet: boolean;
}

export function newTrackFileDraft(name: string): TrackFileDraft {
  return { name, weight: 1, weightReverse: false, initFile: false, initOverwrite: false, weightSet: false };
}

export const trackFileKeywords: KeywordTable<TrackFileDraft> = {
  file: kw((s, d, env) => {
    if (s.words.length < 2) return env.error('track file file name missing');
    if (d.file) return env.error(`File already set for track file ${d.name} - ignoring ${s.words[1]}`);
    d.file = s.words[1];
  }),
  weight: kw((s, d, env) => {
    if (s.words.length < 2) return env.error(`No weight specified for track file ${d.name} - ignoring`);
    if (d.weightSet) return env.error(`Weight already set for track file ${d.name} - ignoring ${s.words[1]}`);
    const w = readInt(env, s.words[1]!, -254, 254);
    if (w === undefined)
      return env.error(`Weight (${s.words[1]}) for track_file ${d.name} must be between [-254..254] inclusive. Ignoring...`);
    d.weight = w;
    d.weightSet = true;
    if (s.words.length >= 3) {
      if (s.words[2] === 'reverse') d.weightReverse = true;
      else env.error(`track_file ${d.name} unknown weight option ${s.words[2]}`);
    }
  }),
  init_file: kw((s, d, env) => {
    d.initFile = true;
    for (let i = 1; i < s.words.length; i++) {
      const w = s.words[i]!;
      if (w === 'overwrite') d.initOverwrite = true;
      else {
        const n = readInt(env, w, -254, 254);
        if (n === undefined) env.error(`Track file ${d.name} init value ${w} is invalid`);
        else d.initValue = n;
      }
    }
  }),
};

export function closeTrackFile(d: TrackFileDraft, env: KeywordEnv): TrackFile | undefined {
  if (!d.file) {
    env.error(`No file set for track_file ${d.name} - ignoring`);
    return undefined;
  }
  const { weightSet: _w, ...rest } = d;
  return { ...rest, file: d.file };
}

export interface TrackProcessDraft extends Omit<TrackProcess, 'process'> {
  process?: string;
  weightSet: boolean;
}

export function newTrackProcessDraft(name: string): TrackProcessDraft {
  return {
    name, params: [], paramMatch: 'none', weight: 0, weightReverse: false, quorum: 1, quorumMax: 65535,
    terminateDelayUs: 0, forkDelayUs: 0, fullCommand: false, weightSet: false,
  };
}

function processDelay(which: '' | 'terminate_' | 'fork_'): (s: ConfigStatement, d: TrackProcessDraft, env: KeywordEnv) => void {
  return (s, d, env) => {
    const n = readDecimal(env, env.arg(s, 1), 1, 3600 * TIMER_HZ, 6);
    if (n === undefined) {
      env.error(`${which}delay (${s.words[1]}) for vrrp_track_process ${d.name} must be between [0.000001..3600] inclusive. Ignoring...`);
      return;
    }
    if (which !== 'fork_') d.terminateDelayUs = n;
    if (which !== 'terminate_') d.forkDelayUs = n;
  };
}

export const trackProcessKeywords: KeywordTable<TrackProcessDraft> = {
  process: kw((s, d, env) => {
    if (d.process) return env.error(`Process already set for track process ${d.name} - ignoring ${s.words[1]}`);
    d.process = env.arg(s, 1);
    if (s.words.length > 2) {
      d.params = s.words.slice(2);
      if (d.paramMatch === 'none') d.paramMatch = 'exact';
      d.fullCommand = true;
    }
  }),
  param_match: kw((s, d, env) => {
    if (s.words.length === 1) d.paramMatch = 'exact';
    else if (s.words[1] === 'initial' || s.words[1] === 'partial') d.paramMatch = s.words[1];
    else return env.error(`Invalid param_match type ${s.words[1]} - ignoring`);
    d.fullCommand = true;
  }),
  weight: kw((s, d, env) => {
    if (s.words.length < 2) return env.error(`No weight specified for track process ${d.name} - ignoring`);
    if (d.weightSet) return env.error(`Weight already set for track process ${d.name} - ignoring ${s.words[1]}`);
    const w = readInt(env, s.words[1]!, -254, 254);
    if (w === undefined)
      return env.error(`Weight (${s.words[1]}) for vrrp_track_process ${d.name} must be between [-254..254] inclusive. Ignoring...`);
    if (s.words.length >= 3) {
      if (s.words[2] === 'reverse') d.weightReverse = true;
      else env.error(`vrrp_track_process ${d.name} unknown weight option ${s.words[2]}`);
    }
    d.weight = w;
    d.weightSet = w !== 0;
  }),
  quorum: kw((s, d, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 1, 65535);
    if (n === undefined)
      return env.error(`Quorum (${s.words[1]}) for vrrp_track_process ${d.name} must be between [1..65535] inclusive. Ignoring...`);
    if (n > d.quorumMax) return env.error('Quorum is greater than quorum_max - ignoring');
    d.quorum = n;
  }),
  quorum_max: kw((s, d, env) => {
    const n = readUnsigned(env, env.arg(s, 1), 0, 65535);
    if (n === undefined)
      return env.error(`quorum_max (${s.words[1]}) for vrrp_track_process ${d.name} must be between [0..65535] inclusive. Ignoring...`);
    if ((n || d.quorum > 1) && n < d.quorum) return env.error('quorum_max is less than quorum - ignoring');
    d.quorumMax = n;
    if (n === 0) d.quorum = 0;
    else if (!d.quorum) d.quorum = 1;
  }),
  delay: kw(processDelay('')),
  terminate_delay: kw(processDelay('terminate_')),
  fork_delay: kw(processDelay('fork_')),
  full_command: kw((_s, d) => { d.fullCommand = true; }),
};

export function closeTrackProcess(d: TrackProcessDraft, env: KeywordEnv): TrackProcess | undefined {
  if (!d.process) {
    env.error(`track process '${d.name}' process name not specified`);
    return undefined;
  }
  const { weightSet: _w, ...rest } = d;
  return { ...rest, process: d.process };
}
