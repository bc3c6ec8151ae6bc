/**
 * CPU and memory of the master's VRRP child: N instances (VRIDs 1..N, one VIP
 * each) at a fast advert interval on A, B as their backup; CPU from
 * /proc/PID/stat utime+stime over a window, RSS from /proc/PID/status.
 * Afterwards a short capture of A's adverts gives their interval spread.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PRIORITY, manyInstances, vrrpConfig } from './config.js';
import { FailoverLab, NODE_ADDR, sleep, waitVrrpPid, type Impl } from './topology.js';
import { WireCapture, advertIntervals, realtimeUs } from './watch.js';

export interface CpuOptions {
  instances: number;
  version: 2 | 3;
  advertInt: string;
  seconds: number;
  /** Length of the advert capture after the CPU window. */
  captureSeconds: number;
}

export interface CpuResult {
  impl: Impl;
  /** Share of one core used by A's VRRP child over the window, %. */
  cpuA?: number;
  cpuB?: number;
  rssKbA?: number;
  rssKbB?: number;
  /** Instances A held at the end of the window / instances B held (should be N / 0). */
  heldA?: number;
  heldB?: number;
  /** Packets A sent per second during the CPU window (its adverts: N / advert_int expected). */
  txRateA?: number;
  /** Packets tcpdump reported dropped during the interval capture. */
  captureDrops?: number;
  /** Adverts from B during the capture (B should be silent). */
  advertsFromB?: number;
  intervalsUs: number[];
  /** Lines about timer lateness in the VRRP child's stats dump (SIGUSR2), if it has any. */
  latenessLines: string[];
  failures: string[];
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of pid, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14 and 15 of stat(5); f[0] is field 3
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

export function rssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

interface Lateness { count: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number; meanUs: number }

/**
 * Our VRRP child's timer lateness from `keepalived --status` (the scheduler
 * measures every firing against its deadline). keepalived has no such
 * counter: for it, the advert spread on the wire is the comparison.
 */
function latenessFromStatus(binary: string, pidFile: string): string[] {
  const out = execFileSync(binary, ['--status', '-p', pidFile], { encoding: 'utf8', timeout: 10_000 });
  const found: { source?: string; lateness: Lateness }[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o['process'] === 'vrrp' && o['timers'] && typeof o['timers'] === 'object') found.push(o['timers'] as (typeof found)[number]);
    else for (const x of Object.values(o)) walk(x);
  };
  walk(JSON.parse(out));
  return found.map(({ source, lateness: l }) =>
    `${source ?? 'timers'}: ${l.count} firings, late by p50 ${l.p50Us} µs, p90 ${l.p90Us} µs, p99 ${l.p99Us} µs, max ${l.maxUs} µs, mean ${l.meanUs} µs`);
}

export async function runCpu(o: CpuOptions, impl: Impl, binary: string, log: (t: string) => void): Promise<CpuResult> {
  const res: CpuResult = { impl, intervalsUs: [], latenessLines: [], failures: [] };
  const lab = new FailoverLab('kacpu');
  const instances = manyInstances(o.instances);
  const vips = new Set(instances.map((i) => i.vip));
  let capture: WireCapture | undefined;
  try {
    const conf = (node: 'a' | 'b'): string => lab.writeConfig(`${node}.conf`, vrrpConfig(`bench_${node}`, {
      version: o.version, advertInt: o.advertInt, priority: PRIORITY[node], instances,
    }));
    const b = lab.start('b', impl, binary, conf('b'), 'b');
    const pidB = await waitVrrpPid(b, 20_000);
    const a = lab.start('a', impl, binary, conf('a'), 'a');
    const pidA = await waitVrrpPid(a, 20_000);
    const t0 = performance.now();
    while (lab.holdsCount('a', vips) < vips.size || lab.holdsCount('b', vips) > 0) {
      if (performance.now() - t0 > 60_000) {
        throw new Error(`A held ${lab.holdsCount('a', vips)}/${vips.size} VIPs, B ${lab.holdsCount('b', vips)} after 60 s (logs in ${lab.dir})`);
      }
      await sleep(100);
    }
    log(`  ${impl}: A master of ${vips.size} instances after ${((performance.now() - t0) / 1000).toFixed(1)} s; settling`);
    await sleep(3000);
    const tx0 = lab.txPackets('a');
    const c0 = [cpuSeconds(pidA), cpuSeconds(pidB)];
    const w0 = performance.now();
    await sleep(o.seconds * 1000);
    const c1 = [cpuSeconds(pidA), cpuSeconds(pidB)];
    const wall = (performance.now() - w0) / 1000;
    res.txRateA = (lab.txPackets('a') - tx0) / wall;
    res.cpuA = ((c1[0]! - c0[0]!) / wall) * 100;
    res.cpuB = ((c1[1]! - c0[1]!) / wall) * 100;
    res.rssKbA = rssKb(pidA);
    res.rssKbB = rssKb(pidB);
    res.heldA = lab.holdsCount('a', vips);
    res.heldB = lab.holdsCount('b', vips);
    // The capture starts after the CPU window: tcpdump and its parsing would compete for the 2 cores.
    capture = new WireCapture(lab.ns('obs'));
    lab.adopt(capture.proc);
    await capture.started();
    const from = realtimeUs();
    await sleep(o.captureSeconds * 1000);
    const to = realtimeUs();
    await sleep(200); // lines still in the pipe
    res.captureDrops = await capture.stopAndCountDrops();
    res.intervalsUs = advertIntervals(capture.advertsBetween(NODE_ADDR.a, from, to));
    res.advertsFromB = capture.advertsBetween(NODE_ADDR.b, from, to).length;
    if (impl === 'ours') {
      try {
        res.latenessLines = latenessFromStatus(binary, a.pidFile);
      } catch (e) {
        res.failures.push(`--status: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    res.failures.push((e as Error).message);
  } finally {
    capture?.stop();
    await lab.destroy();
  }
  return res;
}
