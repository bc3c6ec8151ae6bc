/**
 * Reload: the state of the previous configuration carried into the new one,
 * as keepalived's clear_diff_services / migrate_checkers do it. Servers and
 * checkers that are still configured keep their state (alive, in the table,
 * effective weight, checker up/down and retries); removed ones are taken out
 * with keepalived's lines and notifies; new ones start as at start-up.
 * Runs as the `prepare` step of the new HealthCheckService.start().
 */
import type { Effect, HealthStateMachine, RsNode, VsNode, CheckerNode, DestNode } from '../rs-state.js';
import type { ResolvedChecker } from '../resolve.js';
import { groupReloadLines } from './vs-groups.js';

/** vs_iseq: same fwmark and family, or same protocol, address and port. */
function sameVs(a: VsNode, b: VsNode): boolean {
  const x = a.cfg;
  const y = b.cfg;
  // groups match by name alone: the members may change across a reload
  if (x.group || y.group) return x.group?.name === y.group?.name && x.port === y.port;
  if (x.family !== y.family) return false;
  if (x.fwmark !== undefined || y.fwmark !== undefined) return x.fwmark === y.fwmark;
  return x.protocol === y.protocol && x.ip === y.ip && x.port === y.port;
}

/** rs_iseq: same address and port. */
const sameDest = (a: DestNode, b: DestNode): boolean => a.ip === b.ip && a.port === b.port;

const TIMING_KEYS = new Set(['retry', 'delayBeforeRetry', 'warmup', 'delayLoop', 'alpha', 'logAllFailures', 'connectTimeout']);

/** The checker's compare function: same type and what it probes (timers aside). */
export function checkerIdentity(c: ResolvedChecker): string {
  const settings = Object.fromEntries(Object.entries(c.settings).filter(([k]) => !TIMING_KEYS.has(k)));
  return JSON.stringify({ settings, dst: c.dst, bindIp: c.bindIp, bindPort: c.bindPort, bindIf: c.bindIf, fwmark: c.fwmark });
}

function checkerCfg(node: CheckerNode): ResolvedChecker {
  return node.rs.cfg.checkers[node.rs.checkers.indexOf(node)]!;
}

/** set_checker_state(): the RS's failed count follows the checker. */
function setCheckerState(c: CheckerNode, up: boolean): void {
  if (c.isUp === up) return;
  c.isUp = up;
  if (!up) c.rs.numFailed++;
  else if (c.rs.numFailed) c.rs.numFailed--;
}

/** clear_service_rs(vs, rs, stopping=false) on the previous machine. */
function clearServiceRs(m: HealthStateMachine, vs: VsNode, rs: RsNode): void {
  if (rs.set) m.log(`Removing ${rs.inhibit && !rs.alive ? '(inhibited) ' : ''}service ${rs.label} from VS ${vs.cfg.label}`);
  if (!rs.set) return;
  m.delDest(rs, true);
  if (!rs.alive) return;
  rs.alive = false;
  m.rsNotifies(vs, rs, false);
  m.rsRemovedMail(vs, rs, false);
}

/** update_vs_notifies(vs, stopping=false). */
function updateVsNotifies(m: HealthStateMachine, vs: VsNode): void {
  const threshold = vs.cfg.quorum - vs.cfg.hysteresis;
  const sum = m.weighLive(vs);
  if (vs.quorumUp && (!sum || sum < threshold)) {
    vs.quorumUp = false;
    m.vsNotifies(vs, false);
  }
}

function migrateCheckers(next: HealthStateMachine, oldRs: RsNode, rs: RsNode): void {
  const old = oldRs.checkers.map((c) => ({ node: c, id: checkerIdentity(checkerCfg(c)) }));
  for (const c of rs.checkers) {
    // a tracked file was just read again: its fresh value wins over the old state
    if (checkerCfg(c).settings.type === 'FILE_CHECK') continue;
    const id = checkerIdentity(checkerCfg(c));
    const match = old.find((o) => o.id === id)?.node;
    if (!match) continue;
    if (match.hasRun && match.isUp !== c.isUp) setCheckerState(c, match.isUp);
    c.hasRun = match.hasRun;
    const retry = checkerCfg(c).timing.retry;
    if (match.retryIt && retry) c.retryIt = match.retryIt >= retry ? retry - 1 : match.retryIt;
    c.curWeight = match.curWeight;
  }
  rs.numFailed = rs.checkers.filter((c) => c.hasRun && !c.isUp).length;
  const anyRan = rs.checkers.some((c) => c.hasRun);
  if (rs.numFailed || (!rs.alive && !anyRan)) {
    for (const c of rs.checkers) {
      if (c.hasRun) continue;
      if (c.alpha) setCheckerState(c, false);
      c.retryIt = checkerCfg(c).timing.retry; // one failure is enough
    }
  }
  if (!rs.numFailed && !rs.alive) {
    const any = rs.checkers[0];
    if (any) next.performServerState(any, true);
  } else if (rs.numFailed && rs.set !== rs.inhibit) {
    if (rs.inhibit) next.addDest(rs);
    else next.delDest(rs);
  }
}

/** clear_diff_rs(). */
function clearDiffRs(prev: HealthStateMachine, next: HealthStateMachine, oldVs: VsNode, vs: VsNode): Effect[] {
  const effects: Effect[] = [];
  for (const oldRs of oldVs.rs) {
    const rs = vs.rs.find((r) => sameDest(r, oldRs));
    if (!rs) {
      effects.push(...prev.collect(() => {
        prev.log(`service ${oldRs.label} no longer exist`);
        clearServiceRs(prev, oldVs, oldRs);
      }));
      continue;
    }
    rs.alive = oldRs.alive;
    rs.set = oldRs.set;
    rs.tableWeight = oldRs.tableWeight;
    rs.effectiveWeight = oldRs.effectiveWeight;
    rs.previousEffectiveWeight = oldRs.effectiveWeight;
    rs.reloaded = true;
    effects.push(...next.collect(() => migrateCheckers(next, oldRs, rs)));
  }
  effects.push(...prev.collect(() => updateVsNotifies(prev, oldVs)));
  return effects;
}

/** clear_diff_s_srv(). */
function clearDiffSorry(prev: HealthStateMachine, oldVs: VsNode, vs: VsNode): Effect[] {
  const old = oldVs.sorry;
  if (!old) return [];
  const s = vs.sorry;
  if (s && sameDest(s, old)) {
    s.alive = old.alive;
    s.set = old.set;
    s.tableWeight = old.tableWeight;
    s.effectiveWeight = s.iweight;
    s.reloaded = true;
    return [];
  }
  return prev.collect(() => {
    if (old.inhibit) {
      if (!old.alive && old.set) old.alive = true;
      old.inhibit = false;
    }
    if (old.alive) {
      prev.log(`Removing sorry server ${old.label} from VS ${oldVs.cfg.label}`);
      prev.delDest(old);
    }
  });
}

/** clear_service_vs(vs, stopping=false) with lvs_flush_on_stop disabled. */
function clearServiceVs(prev: HealthStateMachine, vs: VsNode): void {
  const s = vs.sorry;
  if (s && s.set) {
    prev.delDest(s, true);
    s.alive = false;
  }
  for (const rs of vs.rs) clearServiceRs(prev, vs, rs);
  updateVsNotifies(prev, vs);
}

/**
 * clear_diff_services() + set_effective_weights(): moves the state of
 * `prev` into `next` (which has not been started) and returns the effects
 * (log lines, FIFO lines, notifies) in keepalived's order. The kernel side
 * follows from next's desired table.
 */
export function migrateState(prev: HealthStateMachine, next: HealthStateMachine): Effect[] {
  const effects: Effect[] = [];
  for (const oldVs of prev.vss) {
    const vs = next.vss.find((v) => sameVs(v, oldVs));
    if (!vs) {
      effects.push(...prev.collect(() => {
        const group = oldVs.cfg.group;
        prev.log(group ? `Removing Virtual Server Group [${group.name}]` : `Removing Virtual Server ${oldVs.cfg.label}`);
        clearServiceVs(prev, oldVs);
      }));
      continue;
    }
    vs.quorumUp = oldVs.quorumUp;
    vs.reloaded = true;
    const [oldGroup, newGroup] = [oldVs.cfg.group, vs.cfg.group];
    if (oldGroup && newGroup) {
      // clear_diff_vsg: removals now, additions once the VS is initialised again
      const lines = groupReloadLines(oldGroup, newGroup, oldVs.cfg.protocol, vs.cfg.protocol);
      effects.push(...prev.collect(() => { for (const l of lines.removed) prev.log(l); }));
      vs.groupAddedLines = lines.added;
    }
    effects.push(...clearDiffRs(prev, next, oldVs, vs));
    effects.push(...clearDiffSorry(prev, oldVs, vs));
  }
  // set_effective_weights(): configured weight plus what dynamic checkers add
  for (const vs of next.vss) {
    for (const rs of vs.rs) rs.effectiveWeight = rs.iweight + rs.checkers.reduce((sum, c) => sum + c.curWeight, 0);
  }
  return effects;
}
