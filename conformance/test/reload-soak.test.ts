/**
 * Reload soak (issue 5): our node runs 200 VRRPv3 instances as MASTER (VRIDs
 * 1-200 on eth0, one VIP each) with a BACKUP peer running ours in another
 * namespace; then SOAK_RELOADS (default 1,000) SIGHUPs with an unchanged
 * configuration, each paced on the VRRP child's "Reloading" line.
 * - a sampler (ip -o addr, every ~50 ms) never sees a VIP missing on the
 *   master nor any VIP on the backup;
 * - no "Entering ... STATE" line after start-up on either node;
 * - VmRSS of the parent and the VRRP child grows under 5 % from the first
 *   third of the soak (after 150 warm-up reloads) to the last (90th
 *   percentiles of a sample after every reload);
 * - a reload with a broken config (a VRID out of range would drop an
 *   instance) is refused by the parent and changes nothing;
 * - a reload changing one instance's priority is applied: its adverts carry
 *   the new priority, the other instances keep theirs.
 * Figures (ms per reload, CPU per reload of each process, RSS) go to the
 * TAP comments.
 */
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isRoot } from '../lib/netns.js';
import { ourKeepalived } from '../lib/paths.js';
import { sleep, VrrpLab, type RouterProc } from '../lib/vrrp-lab.js';

const INSTANCES = 200;
const RELOADS = Math.max(300, Number(process.env['SOAK_RELOADS'] ?? 1000) || 1000);
/** Reloads before the RSS baseline: the parent's RSS climbs ~15 % over its first ~100 reloads (V8 sizing its spaces), then stays. */
const WARM_UP = 150;
const MASTER_PRIO = 150;
const BACKUP_PRIO = 100;

/** VRIDs 1-100 take 198.51.100.N/32, VRIDs 101-200 take 192.0.2.N/24 (N = VRID). */
const vipOf = (vrid: number): string => (vrid <= 100 ? `198.51.100.${vrid}` : `192.0.2.${vrid}`);
const vipWithPrefix = (vrid: number): string => (vrid <= 100 ? `${vipOf(vrid)}/32` : `${vipOf(vrid)}/24`);
const ALL_VIPS = Array.from({ length: INSTANCES }, (_, i) => vipOf(i + 1));

function config(node: string, o: { state: 'MASTER' | 'BACKUP'; priority: number; override?: Map<number, string[]> }): string {
  const lines = ['global_defs {', `    router_id ${node}`, '}'];
  for (let vrid = 1; vrid <= INSTANCES; vrid++) {
    lines.push(...(o.override?.get(vrid) ?? [
      `vrrp_instance VI_${vrid} {`, `    state ${o.state}`, '    interface eth0', `    virtual_router_id ${vrid}`,
      '    version 3', `    priority ${o.priority}`, '    advert_int 1',
      '    virtual_ipaddress {', `        ${vipWithPrefix(vrid)}`, '    }', '}',
    ]));
  }
  return `${lines.join('\n')}\n`;
}

const instanceBlock = (vrid: number, priority: number, rawVrid: number | string = vrid): string[] => [
  `vrrp_instance VI_${vrid} {`, '    state MASTER', '    interface eth0', `    virtual_router_id ${rawVrid}`,
  '    version 3', `    priority ${priority}`, '    advert_int 1',
  '    virtual_ipaddress {', `        ${vipWithPrefix(vrid)}`, '    }', '}',
];

const exec = promisify(execFile);
const TRANSITION = /Entering (MASTER|BACKUP|FAULT) STATE/;

/** Counts complete log lines of a router as they arrive and wakes whoever waits for one to match. */
class LineWatch {
  private readonly counts = new Map<RegExp, number>();
  private waiters: { re: RegExp; n: number; resolve: () => void }[] = [];

  constructor(r: RouterProc, private readonly patterns: RegExp[]) {
    for (const p of patterns) this.counts.set(p, 0);
    // one partial line per stream: the parent and its child write to different ones and their chunks interleave
    for (const stream of [r.proc.stdout!, r.proc.stderr!]) {
      let partial = '';
      stream.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        this.feed(lines);
      });
    }
  }

  private feed(lines: string[]): void {
    for (const line of lines) for (const p of this.patterns) if (p.test(line)) this.counts.set(p, this.counts.get(p)! + 1);
    this.waiters = this.waiters.filter((w) => {
      if (this.count(w.re) < w.n) return true;
      w.resolve();
      return false;
    });
  }

  count(re: RegExp): number {
    return this.counts.get(re)!;
  }

  /** Resolves true once re has matched n lines in all, false after timeoutMs. */
  until(re: RegExp, n: number, timeoutMs: number): Promise<boolean> {
    if (this.count(re) >= n) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push({ re, n, resolve: done });
    });
  }
}

interface Advert { at: number; vrid: number; prio: number }

/** "1795351309.332412 ... vrid 51, prio 150, ..." lines of tcpdump -tt. */
const adverts = (text: string): Advert[] => [...text.matchAll(/^(\d+\.\d+) .*vrid (\d+), prio (\d+)/gm)]
  .map((m) => ({ at: Number(m[1]) * 1000, vrid: Number(m[2]), prio: Number(m[3]) }));

/** The longest stretch between two adverts of the same VRID. */
function advertGaps(list: Advert[]): { vrids: number; max: number; worst: number; over1500: number } {
  const last = new Map<number, number>();
  let max = 0;
  let worst = 0;
  let over1500 = 0;
  for (const a of list) {
    const prev = last.get(a.vrid);
    if (prev !== undefined && a.at - prev > 1500) over1500++;
    if (prev !== undefined && a.at - prev > max) {
      max = a.at - prev;
      worst = a.vrid;
    }
    last.set(a.vrid, a.at);
  }
  return { vrids: last.size, max, worst, over1500 };
}

interface ProcSample { rssKb: number; cpuMs: number }

function procSample(pid: number): ProcSample {
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  // utime and stime are fields 14 and 15; the command name (field 2) may hold spaces, so count after its ')'
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssKb: Number(rss?.[1]), cpuMs: ticks * 10 };
}

/** Which of the addresses a namespace holds on eth0 (one `ip -o addr` call). */
async function heldVips(lab: VrrpLab, node: string): Promise<Set<string>> {
  const { stdout } = await exec('ip', ['-n', lab.ns(node), '-o', 'addr', 'show', 'dev', 'eth0']);
  const held = new Set<string>();
  for (const m of stdout.matchAll(/ inet (\S+)\//g)) held.add(m[1]!);
  return held;
}

/** Samples both nodes every ~50 ms until stopped; records the worst moments. */
function startSampler(lab: VrrpLab): { stop: () => Promise<{ samples: number; minMaster: number; missing: Set<string>; backupHeld: Set<string> }> } {
  let running = true;
  let samples = 0;
  let minMaster = INSTANCES;
  const missing = new Set<string>();
  const backupHeld = new Set<string>();
  const loop = (async () => {
    while (running) {
      const [m, b] = await Promise.all([heldVips(lab, 'r1'), heldVips(lab, 'r2')]);
      samples++;
      const present = ALL_VIPS.filter((v) => m.has(v)).length;
      minMaster = Math.min(minMaster, present);
      if (present < INSTANCES) for (const v of ALL_VIPS) if (!m.has(v)) missing.add(v);
      for (const v of ALL_VIPS) if (b.has(v)) backupHeld.add(v);
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { samples, minMaster, missing, backupHeld };
    },
  };
}

let starts = 0;

/**
 * lab.start() for our daemon, minus the test runner's instrumentation. tap's
 * processinfo hook rewrites the environment of everything this process
 * spawns (NODE_OPTIONS=--import its loader, whatever env we pass), and in
 * bin/keepalived it turns on precise V8 coverage through the inspector for
 * the forked VRRP child: more CPU per reload and a 140-250 MiB RSS sawtooth
 * where the daemon alone holds ~105 MiB flat. `env -u` drops it after the
 * hook has run. Processes started here are stopped by the test and, failing
 * that, killed with their namespace by lab.destroy().
 */
function startUninstrumented(lab: VrrpLab, node: string, conf: string): RouterProc {
  const tag = `${node}.u${++starts}`;
  const argv = [ourKeepalived, '-n', '-l', '-D', '-G', '-P', '-f', conf,
    '-p', join(lab.dir, `${tag}.pid`), '-r', join(lab.dir, `${tag}.vrrp.pid`), '-c', join(lab.dir, `${tag}.chk.pid`)];
  // SOAK_DAEMON_NODE_OPTIONS: node options for the daemons only (e.g. --max-semi-space-size=1 to see V8's heap sizing at work)
  const own = process.env['SOAK_DAEMON_NODE_OPTIONS'];
  const env = ['env', '-u', 'NODE_OPTIONS', ...(own ? [`NODE_OPTIONS=${own}`] : [])];
  // SOAK_DAEMON_NODE_ARGS: node command-line flags (V8 flags NODE_OPTIONS refuses); the forked child inherits them
  const nodeArgs = process.env['SOAK_DAEMON_NODE_ARGS']?.split(' ').filter(Boolean);
  const cmd = nodeArgs?.length ? [process.execPath, ...nodeArgs, ...argv] : argv;
  const proc = spawn('ip', ['netns', 'exec', lab.ns(node), ...env, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { node, impl: 'ours', proc, output: () => out, exited, tag };
}

const fmt = (n: number, d = 1): string => n.toFixed(d);
const pct = (a: number, b: number): number => ((b - a) / a) * 100;

if (!isRoot()) {
  t.fail('the reload soak needs root (network namespaces)');
} else {
  t.setTimeout(300_000);
  t.test(`${RELOADS} reloads of ${INSTANCES} instances: nothing moves, RSS flat, a broken config is refused`, async (t) => {
    const lab = new VrrpLab('krs', ['r1', 'r2']);
    const ours: RouterProc[] = [];
    t.teardown(async () => {
      for (const r of ours) await lab.stop(r, 15_000);
      await lab.destroy();
    });
    const conf1 = join(lab.dir, 'r1.conf');
    const conf2 = join(lab.dir, 'r2.conf');
    const goodConf = config('r1', { state: 'MASTER', priority: MASTER_PRIO });
    writeFileSync(conf1, goodConf);
    writeFileSync(conf2, config('r2', { state: 'BACKUP', priority: BACKUP_PRIO }));

    // The master first: the backup then never sees a silent segment, so it never has a reason to take over.
    const r1 = startUninstrumented(lab, 'r1', conf1);
    ours.push(r1);
    const CHILD_RELOAD = /: Reloading$|^Reloading$/;
    const REFUSED = /New config failed validation/;
    const w1 = new LineWatch(r1, [TRANSITION, CHILD_RELOAD, REFUSED]);
    t.ok(await w1.until(TRANSITION, 2 * INSTANCES, 30_000), 'r1: every instance enters BACKUP (init) then MASTER');
    t.ok(await lab.waitFor(() => ALL_VIPS.every((v) => lab.holds('r1', v)), 10_000, 50) >= 0, 'r1 holds all 200 VIPs');
    const r2 = startUninstrumented(lab, 'r2', conf2);
    ours.push(r2);
    const w2 = new LineWatch(r2, [TRANSITION]);
    t.ok(await w2.until(TRANSITION, INSTANCES, 20_000), 'r2: every instance enters BACKUP (init)');
    // a few adverts' worth of settling: any late transition would show now, not in the soak
    await sleep(3000);
    const startTransitions1 = w1.count(TRANSITION);
    const startTransitions2 = w2.count(TRANSITION);
    t.equal(startTransitions1, 2 * INSTANCES, 'r1: exactly one BACKUP (init) and one MASTER transition per instance');
    t.equal(startTransitions2, INSTANCES, 'r2: exactly one BACKUP (init) per instance');

    const parentPid = r1.proc.pid!;
    const childPid = lab.vrrpPid(r1);
    // the children's baseline CPU (adverts of 200 instances) while nothing reloads, to subtract from the soak's
    const idle0 = { parent: procSample(parentPid), child: procSample(childPid), at: performance.now() };
    await sleep(2000);
    const idle1 = { parent: procSample(parentPid), child: procSample(childPid), at: performance.now() };
    const idleChildCpuPerMs = (idle1.child.cpuMs - idle0.child.cpuMs) / (idle1.at - idle0.at);

    // a small snap length: libpcap's immediate mode gives each packet a snaplen-sized slot, and
    // with the default 256 KiB the ring holds a handful - bursts of 200 adverts would be dropped
    const cap = lab.tcpdump('r2', ['-tt', 'vrrp']);
    await sleep(1500);
    const sampler = startSampler(lab);
    const latencies: number[] = [];
    let stalled = -1;
    /** VmRSS in kB of the parent and the child after each reload. */
    const rss: { parent: number; child: number }[] = [];
    const timeline: string[] = [];
    const dumpDir = process.env['SOAK_DUMP_DIR'];
    const soak0 = performance.now();
    for (let i = 1; i <= RELOADS; i++) {
      const seen = w1.count(CHILD_RELOAD);
      const sent = performance.now();
      process.kill(parentPid, 'SIGHUP');
      if (!(await w1.until(CHILD_RELOAD, seen + 1, 10_000))) {
        stalled = i;
        break;
      }
      const latency = performance.now() - sent;
      latencies.push(latency);
      const r = { parent: procSample(parentPid).rssKb, child: procSample(childPid).rssKb };
      rss.push(r);
      timeline.push(`${(Date.now() / 1000).toFixed(3)} ${i} ${latency.toFixed(1)} ${r.parent} ${r.child}`);
    }
    // the last reload's apply runs right after its log line: let it (and the sampler) see a little more
    await sleep(500);
    const end = { parent: procSample(parentPid), child: procSample(childPid), at: performance.now() };
    const soakMs = end.at - soak0;
    const s = await sampler.stop();

    t.equal(stalled, -1, `every reload reached the VRRP child (stalled at ${stalled})`);
    t.equal(w1.count(CHILD_RELOAD), RELOADS, `the child logged ${RELOADS} "Reloading" lines`);
    t.equal(w1.count(REFUSED), 0, 'no reload was refused');
    t.ok(s.samples > 20, `the sampler ran (${s.samples} samples)`);
    t.equal(s.minMaster, INSTANCES, `no VIP ever missing on r1 (missing at some sample: ${[...s.missing].slice(0, 10).join(' ') || 'none'})`);
    t.equal(s.backupHeld.size, 0, `r2 never held a VIP (${[...s.backupHeld].slice(0, 10).join(' ') || 'none'})`);
    t.equal(w1.count(TRANSITION), startTransitions1, 'r1: no state transition during the soak');
    t.equal(w2.count(TRANSITION), startTransitions2, 'r2: no state transition during the soak (never took over)');

    const gaps = advertGaps(adverts(cap.output()).filter((a) => a.at >= Date.now() - soakMs - 1000));
    t.equal(gaps.vrids, INSTANCES, `adverts of all ${INSTANCES} VRIDs captured during the soak`);
    // The bound is the RFC's: three intervals without an advert is when a backup starts counting the master
    // down. Gaps past 1.5 intervals are reported, not failed: on this shared 2-core machine they follow the
    // load of other jobs, not the reloads.
    t.comment(`advert gaps: max ${fmt(gaps.max)} ms (VRID ${gaps.worst}), ${gaps.over1500} over 1.5 s`);
    t.ok(gaps.max < 3000, `no VRID went 3 x advert_int without an advert during the soak (max ${fmt(gaps.max)} ms)`);

    const sorted = [...latencies].sort((a, b) => a - b);
    const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
    const n = latencies.length;
    const parentCpu = (end.parent.cpuMs - idle1.parent.cpuMs) / n;
    const childCpu = (end.child.cpuMs - idle1.child.cpuMs - idleChildCpuPerMs * (end.at - idle1.at)) / n;
    t.comment(`${n} reloads in ${fmt(soakMs / 1000)} s: ${fmt(soakMs / n)} ms per reload cycle; SIGHUP -> child "Reloading" median ${fmt(q(0.5))} ms, p99 ${fmt(q(0.99))} ms, max ${fmt(sorted[n - 1] ?? NaN)} ms`);
    t.comment(`CPU per reload: parent (validate: read + build) ${fmt(parentCpu)} ms, VRRP child (read + build + apply, idle advert load subtracted) ${fmt(childCpu)} ms`);

    // RSS growth: the 90th percentile of the samples in the first third after warm-up against the
    // last third. One sample at each end measures V8's GC phase, not growth: depending on how the
    // young generation is sized, a process either sits flat or, when each reload's config gets
    // promoted, saw-tooths 20-30 % between old-generation collections (the peaks stay level: 5,000
    // reloads with --max-semi-space-size=1 keep them within 3 %). The percentile follows the peaks
    // of a sawtooth and the level of a flat line, and skips a lone collection cycle.
    t.equal(rss.length, RELOADS, 'RSS sampled after every reload');
    const third = Math.floor((rss.length - WARM_UP) / 3);
    const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(0.9 * xs.length)]!;
    const point = (i: number): string => `${Math.round(rss[i - 1]!.parent / 1024)}/${Math.round(rss[i - 1]!.child / 1024)}`;
    t.comment(`RSS MiB parent/child: before the soak ${Math.round(idle1.parent.rssKb / 1024)}/${Math.round(idle1.child.rssKb / 1024)}, `
      + [...new Set([WARM_UP, ...Array.from({ length: 10 }, (_, k) => Math.round(((k + 1) * rss.length) / 10))])].sort((a, b) => a - b).map((i) => `reload ${i} ${point(i)}`).join(', '));
    for (const who of ['parent', 'child'] as const) {
      const early = p90(rss.slice(WARM_UP, WARM_UP + third).map((r) => r[who]));
      const late = p90(rss.slice(rss.length - third).map((r) => r[who]));
      const growth = pct(early, late);
      const label = who === 'parent' ? 'parent' : 'VRRP child';
      t.comment(`${label} RSS p90: reloads ${WARM_UP + 1}-${WARM_UP + third} ${early} kB, reloads ${rss.length - third + 1}-${rss.length} ${late} kB (${fmt(growth)} %); single points reload ${WARM_UP} -> ${rss.length}: ${fmt(pct(rss[WARM_UP - 1]![who], rss[rss.length - 1]![who]))} %`);
      t.ok(growth < 5, `${label} RSS growth under 5 % (${fmt(growth)} %)`);
    }

    // a broken config: VI_7 with an out-of-range VRID would be dropped by the config build
    const reloadsBefore = w1.count(CHILD_RELOAD);
    writeFileSync(conf1, config('r1', { state: 'MASTER', priority: MASTER_PRIO, override: new Map([[7, instanceBlock(7, MASTER_PRIO, 300)]]) }));
    process.kill(parentPid, 'SIGHUP');
    t.ok(await w1.until(REFUSED, 1, 10_000), 'the parent refuses the broken config');
    t.match(r1.output(), /\(VI_7\): VRID '300' not valid/, 'the reason is logged');
    // keepalived's vrrp_complete_init stops at the first bad instance, so the build keeps none of them
    t.ok(r1.output().includes('New config failed validation (vrrp_instance VI_1, VI_2, VI_3, VI_4, VI_5 and 195 more would be dropped by configuration errors) - keeping the running configuration'),
      'the refusal names what would be dropped on one line');
    await sleep(1500);
    t.equal(w1.count(CHILD_RELOAD), reloadsBefore, 'the child was not asked to reload');
    t.equal(lab.vrrpPid(r1), childPid, 'the VRRP child kept running');
    t.ok(ALL_VIPS.every((v) => lab.holds('r1', v)), 'all 200 VIPs stay on r1');
    t.equal(w1.count(TRANSITION), startTransitions1, 'no transition after the refused reload');

    // a real change: VI_1's priority; its adverts carry it, the others keep theirs
    writeFileSync(conf1, config('r1', { state: 'MASTER', priority: MASTER_PRIO, override: new Map([[1, instanceBlock(1, 180)]]) }));
    const changedAt = Date.now();
    process.kill(parentPid, 'SIGHUP');
    t.ok(await w1.until(CHILD_RELOAD, reloadsBefore + 1, 10_000), 'the changed config reaches the child');
    t.ok(await lab.waitFor(() => adverts(cap.output()).some((a) => a.vrid === 1 && a.at > changedAt && a.prio === 180), 5000, 50) >= 0, 'VI_1 adverts carry priority 180');
    await sleep(2500);
    await cap.stop();
    const after = adverts(cap.output()).filter((a) => a.at > changedAt + 100);
    const others = after.filter((a) => a.vrid !== 1);
    const otherVrids = new Set(others.map((a) => a.vrid)).size;
    t.equal(otherVrids, INSTANCES - 1, `adverts of every other instance were captured (${otherVrids} VRIDs)`);
    t.ok(others.every((a) => a.prio === MASTER_PRIO), `the other instances keep priority ${MASTER_PRIO}`);
    t.equal(w1.count(TRANSITION), startTransitions1, 'r1: no transition on a priority change');
    t.equal(w2.count(TRANSITION), startTransitions2, 'r2: still no transition');
    t.ok(ALL_VIPS.every((v) => lab.holds('r1', v)), 'all 200 VIPs still on r1');

    // SOAK_DUMP_DIR: logs, capture and per-reload figures (epoch s, reload, ms, parent RSS kB, child RSS kB)
    if (dumpDir) {
      writeFileSync(join(dumpDir, 'r1.log'), r1.output());
      writeFileSync(join(dumpDir, 'r2.log'), r2.output());
      writeFileSync(join(dumpDir, 'tcpdump.txt'), cap.output());
      writeFileSync(join(dumpDir, 'reloads.txt'), `${timeline.join('\n')}\n`);
    }
    writeFileSync(conf1, goodConf);
    t.equal(await lab.stop(r1, 15_000), 0, 'r1: clean exit');
    t.equal(await lab.stop(r2, 15_000), 0, 'r2: clean exit');
  });
}
