/**
 * One failover block: a fresh lab, router B (backup) and router A (master)
 * running one implementation, RUNS times: stop A (crash or clean), time B's
 * takeover, restart A and wait for it to preempt again.
 */
import { readFileSync } from 'node:fs';
import { PRIORITY, SINGLE, VIP, masterDownUs, vrrpConfig } from './config.js';
import {
  FailoverLab, NODE_ADDR, NODE_MAC, alive, childrenOf, sleep, waitVrrpPid, type Daemon, type Impl,
} from './topology.js';
import { AddressMonitor, WireCapture, advertIntervals, calibrate, realtimeUs } from './watch.js';

export type StopKind = 'crash' | 'clean';

export interface Scenario {
  /** e.g. "v3-0.01-crash" */
  name: string;
  version: 2 | 3;
  advertInt: string;
  stop: StopKind;
  runs: number;
}

export interface BlockResult {
  scenario: Scenario;
  impl: Impl;
  /** Kill (or SIGTERM) to B holding the VIP, ms; one entry per successful run. */
  vipMs: number[];
  /** Kill (or SIGTERM) to B's first gratuitous ARP on the wire, ms. */
  garpMs: number[];
  /** Clean stops: the stop to A's priority-0 advert on the wire, ms. */
  goodbyeMs: number[];
  /** Clean stops: A's priority-0 advert to B holding the VIP, ms (Skew_Time is the protocol's part). */
  goodbyeToVipMs: number[];
  /** Inter-arrival times of A's adverts while A was a steady master, µs. */
  intervalsUs: number[];
  /** Times B took the VIP while A was alive and master (a late advert from A, or a stall of B). */
  flaps: number;
  failures: string[];
}

export function advertUs(s: { advertInt: string }): number {
  return Math.round(Number(s.advertInt) * 1e6);
}

/** Whether pid is gone or a zombie (it cannot send anything any more). */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

async function until(pred: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > timeoutMs) return false;
    await sleep(stepMs);
  }
  return true;
}

export async function runBlock(s: Scenario, impl: Impl, binary: string, log: (t: string) => void): Promise<BlockResult> {
  const res: BlockResult = { scenario: s, impl, vipMs: [], garpMs: [], goodbyeMs: [], goodbyeToVipMs: [], intervalsUs: [], flaps: 0, failures: [] };
  const lab = new FailoverLab('kafo');
  const adv = advertUs(s);
  const downUs = masterDownUs(s.version, adv, PRIORITY.b);
  const conf = (node: 'a' | 'b'): string => lab.writeConfig(`${node}.conf`, vrrpConfig(`bench_${node}`, {
    version: s.version, advertInt: s.advertInt, priority: PRIORITY[node], instances: SINGLE,
  }));
  const confA = conf('a');
  const confB = conf('b');
  const monitorB = new AddressMonitor(lab.ns('b'));
  const capture = new WireCapture(lab.ns('obs'));
  lab.adopt(monitorB.proc);
  lab.adopt(capture.proc);
  // Generous: the master must preempt after a cold start (Node's start-up included).
  const restoreTimeoutMs = 20_000 + (downUs / 1000) * 2;
  try {
    await capture.started();
    const b = lab.start('b', impl, binary, confB, 'b');
    await waitVrrpPid(b, 10_000);
    let a = lab.start('a', impl, binary, confA, 'a0');
    const masterNow = (): boolean => lab.holds('a', VIP) && !lab.holds('b', VIP);
    if (!(await until(masterNow, restoreTimeoutMs, 10))) throw new Error(`A never became master (logs in ${lab.dir})`);
    let steadyFromUs = realtimeUs();

    for (let run = 1; run <= s.runs; run++) {
      // A random phase against A's advert timer, so B's remaining Master_Down time is not always the same.
      await sleep(Math.max(300, (2 * adv) / 1000) + Math.random() * (adv / 1000));
      if (!masterNow()) {
        // Measuring now would time nothing: let A win back, then take a fresh phase.
        log(`  ${impl} ${s.name} run ${run}: B holds the VIP while A is alive; waiting for A`);
        if (!(await until(masterNow, restoreTimeoutMs, 10))) {
          res.failures.push(`run ${run}: A lost mastership while alive and did not win it back; block aborted`);
          break;
        }
        await sleep(Math.max(300, (2 * adv) / 1000) + Math.random() * (adv / 1000));
      }
      const vpid = await waitVrrpPid(a, 10_000);
      const t0 = stopRouter(a, vpid, s.stop);
      const deadlineMs = downUs / 1000 + 3000;
      const tookOver = await until(
        () => monitorB.firstAdd(VIP, t0) !== undefined && capture.firstGarp(NODE_MAC.b, VIP, t0) !== undefined,
        deadlineMs, 1,
      );
      const vipAt = monitorB.firstAdd(VIP, t0);
      const garpAt = capture.firstGarp(NODE_MAC.b, VIP, t0);
      if (vipAt !== undefined) res.vipMs.push((vipAt - t0) / 1000);
      else res.failures.push(`run ${run}: B did not take the VIP within ${deadlineMs.toFixed(0)} ms`);
      if (garpAt !== undefined) res.garpMs.push((garpAt - t0) / 1000);
      else res.failures.push(`run ${run}: no GARP from B within ${deadlineMs.toFixed(0)} ms`);
      const goodbyeAt = capture.adverts.find((x) => x.src === NODE_ADDR.a && x.prio === 0 && x.tsUs >= t0)?.tsUs;
      if (s.stop === 'clean' && goodbyeAt !== undefined) {
        res.goodbyeMs.push((goodbyeAt - t0) / 1000);
        if (vipAt !== undefined) res.goodbyeToVipMs.push((vipAt - goodbyeAt) / 1000);
      }
      res.intervalsUs.push(...advertIntervals(capture.advertsBetween(NODE_ADDR.a, steadyFromUs, t0)));
      res.flaps += monitorB.events.filter((e) => e.added && e.address === VIP && e.tsUs >= steadyFromUs && e.tsUs < t0).length;
      if (!tookOver) log(`  ${impl} ${s.name} run ${run}: takeover incomplete (vip ${vipAt !== undefined}, garp ${garpAt !== undefined})`);

      // Restore: A's old processes gone, a dead box's VIP gone with it, A restarted and master again.
      const exitTimer = setTimeout(() => {
        for (const c of childrenOf(a.parentPid)) process.kill(c, 'SIGKILL');
        a.proc.kill('SIGKILL');
      }, 5000);
      await a.exited;
      clearTimeout(exitTimer);
      await until(() => processGone(vpid), 5000);
      if (s.stop === 'crash') lab.removeAddress('a', `${VIP}/24`);
      capture.clear();
      monitorB.prune(t0);
      a = lab.start('a', impl, binary, confA, `a${run}`);
      if (!(await until(masterNow, restoreTimeoutMs, 10))) {
        res.failures.push(`run ${run}: A did not become master again within ${restoreTimeoutMs} ms; block aborted`);
        break;
      }
      steadyFromUs = realtimeUs() + 100_000;
      log(`  ${impl} ${s.name} run ${run}/${s.runs}: VIP ${fmt(vipAt, t0)} ms, GARP ${fmt(garpAt, t0)} ms`);
    }
  } catch (e) {
    res.failures.push((e as Error).message);
  } finally {
    monitorB.stop();
    capture.stop();
    await lab.destroy();
  }
  return res;
}

function fmt(at: number | undefined, t0: number): string {
  return at === undefined ? '-' : ((at - t0) / 1000).toFixed(1);
}

/**
 * Stops router A and returns the realtime (µs) of the stop. crash: SIGKILL
 * the VRRP child, then any other child, then the parent - nothing gets to
 * send a priority-0 advert. clean: SIGTERM to the parent.
 */
function stopRouter(a: Daemon, vrrpPid: number, kind: StopKind): number {
  const others = childrenOf(a.parentPid).filter((p) => p !== vrrpPid);
  if (!alive(a)) throw new Error(`A (${a.impl}) died on its own before the stop (log: ${a.logFile})`);
  calibrate();
  const t0 = realtimeUs();
  if (kind === 'crash') {
    process.kill(vrrpPid, 'SIGKILL');
    for (const p of others) process.kill(p, 'SIGKILL');
    process.kill(a.parentPid, 'SIGKILL');
  } else {
    process.kill(a.parentPid, 'SIGTERM');
  }
  return t0;
}
