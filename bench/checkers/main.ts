/**
 * bench/checkers: TCP_CHECK and HTTP_GET at scale against real listeners in
 * a namespace of their own; CPU and RSS of the checker child, and how late
 * probes start against their schedule - ours beside keepalived 2.2.7 when
 * it can run (it exits at start-up without IPVS).
 *
 * Scenarios: "tcp" (TCP servers only: the CPU target) and "mixed" (TCP and
 * HTTP servers together). Environment knobs: see run.sh.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { ScheduleStatsSnapshot } from '@keepalived-ts/checkers';
import { benchConfig, type BenchConfig } from './config.js';
import { CheckerLab, SLOWDOWN, cpuSeconds, rssKb, runQueueWaitNs, running, sleep, type Impl } from './lab.js';
import { scenarioTable, targetLines, type KindFigures, type RunFigures } from './report.js';

const env = process.env;
const num = (name: string, dflt: number): number => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : dflt);
const TCP = num('TCP', 5000);
const HTTP = num('HTTP', 2000);
const SECONDS = num('SECONDS', 30);
const SETTLE = num('SETTLE', 8);
const base: Omit<BenchConfig, 'tcp' | 'http'> = {
  tcpDelayLoop: num('TCP_DELAY_LOOP', 1),
  httpDelayLoop: num('HTTP_DELAY_LOOP', 1),
  connectTimeout: num('CONNECT_TIMEOUT', 3),
  perVs: num('PER_VS', 100),
};
const SCENARIOS = (env.SCENARIOS ?? 'tcp,mixed').split(',').filter(Boolean);
const IMPLS = (env.IMPLS ?? 'ours,keepalived').split(',').filter(Boolean);
const KEEPALIVED = env.KEEPALIVED ?? '/usr/sbin/keepalived';
/** Another build of ours (e.g. a checkout of an older commit) to compare with. */
const OURS_BIN = env.OURS_BIN ?? 'bin/keepalived';
const KEEP = env.KEEP === '1';
const log = (s: string): void => void process.stderr.write(`${s}\n`);

function implOf(name: string): Impl {
  if (name === 'ours') {
    // OURS_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p": the watchdog forks the child with the same node options
    const nodeArgs = (env.OURS_NODE_ARGS ?? '').split(' ').filter(Boolean);
    return { name: 'ours', command: [process.execPath, ...nodeArgs, OURS_BIN] };
  }
  if (name === 'keepalived') return { name: 'keepalived', command: [KEEPALIVED] };
  throw new Error(`unknown implementation ${name}`);
}

/** keepalived's checker process cannot start without IPVS: say why instead of measuring nothing. */
function keepalivedUnavailable(): string | undefined {
  if (!existsSync(KEEPALIVED)) return `${KEEPALIVED} is not installed`;
  if (existsSync('/proc/net/ip_vs')) return undefined;
  try {
    execFileSync('modprobe', ['ip_vs'], { stdio: 'ignore' });
  } catch {
    /* no module: reported below */
  }
  if (existsSync('/proc/net/ip_vs')) return undefined;
  return 'no IPVS in this kernel (keepalived 2.2.7 exits: "IPVS: Can\'t initialize ipvs"); run with VM=1 to measure both in the IPVS VM';
}

function scenarioConfig(name: string): BenchConfig {
  if (name === 'tcp') return { ...base, tcp: TCP, http: 0 };
  if (name === 'mixed') return { ...base, tcp: TCP, http: HTTP };
  if (name === 'http') return { ...base, tcp: 0, http: HTTP };
  throw new Error(`unknown scenario ${name}`);
}

async function waitForFile(path: string, timeoutMs: number): Promise<boolean> {
  for (const t0 = performance.now(); performance.now() - t0 < timeoutMs; await sleep(50)) {
    if (existsSync(path)) return true;
  }
  return false;
}

async function measure(lab: CheckerLab, scenario: string, impl: Impl, conf: string): Promise<RunFigures> {
  const res: RunFigures = { scenario, impl: impl.name };
  if (impl.name === 'keepalived') {
    const why = keepalivedUnavailable();
    if (why) return { ...res, unavailable: why };
  }
  const d = lab.start(impl, conf, `${scenario}-${impl.name}`);
  try {
    const pid = await lab.checkerPid(d, 30_000 * SLOWDOWN);
    log(`  ${impl.name}: checker child ${pid}; settling ${SETTLE} s`);
    await sleep(SETTLE * 1000);
    if (!running(pid)) throw new Error(`${impl.name}: checker child exited (log ${d.logFile})`);
    // The stats file appears when the child's SIGUSR2 handler exists (without one the signal would end it).
    const schedStats = impl.name === 'ours' && (await waitForFile(d.statsFile, 30_000 * SLOWDOWN));
    if (schedStats) process.kill(pid, 'SIGUSR2'); // starts the scheduler's window
    await lab.listenerCommand('mark');
    const c0 = cpuSeconds(pid);
    const q0 = runQueueWaitNs(pid);
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const c1 = cpuSeconds(pid);
    const q1 = runQueueWaitNs(pid);
    const wall = (performance.now() - t0) / 1000;
    const wire = await lab.listenerCommand<{ tcp: KindFigures; http: KindFigures }>('report');
    res.cpuPercent = ((c1.user + c1.system - c0.user - c0.system) / wall) * 100;
    res.userPercent = ((c1.user - c0.user) / wall) * 100;
    res.rssKb = rssKb(pid);
    res.runQueuePercent = ((q1 - q0) / 1e9 / wall) * 100;
    res.windowSeconds = wall;
    res.tcp = wire.tcp;
    res.http = wire.http;
    if (schedStats) {
      const before = existsSync(d.statsFile) ? readFileSync(d.statsFile, 'utf8') : '';
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 100 * SLOWDOWN; i++) {
        await sleep(20);
        const now = existsSync(d.statsFile) ? readFileSync(d.statsFile, 'utf8') : '';
        if (now && now !== before && now.endsWith('\n')) {
          res.sched = (JSON.parse(now) as ScheduleStatsSnapshot).drift;
          break;
        }
      }
    }
    log(`  ${impl.name}: CPU ${res.cpuPercent.toFixed(1)} %, ${res.tcp.perSecond} TCP/s, ${res.http.perSecond} HTTP/s`);
  } catch (e) {
    res.unavailable = (e as Error).message;
  } finally {
    await lab.stop(d);
  }
  return res;
}

async function main(): Promise<void> {
  const lab = new CheckerLab();
  const runs: RunFigures[] = [];
  const onSignal = (): void => void lab.destroy(KEEP).then(() => process.exit(130));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    lab.create();
    await lab.startListener({ TCP_DELAY_LOOP: String(base.tcpDelayLoop), HTTP_DELAY_LOOP: String(base.httpDelayLoop) });
    for (const scenario of SCENARIOS) {
      const cfg = scenarioConfig(scenario);
      const conf = lab.writeFile(`${scenario}.conf`, benchConfig(cfg));
      log(`bench/checkers: scenario ${scenario}: ${cfg.tcp} TCP_CHECK (delay_loop ${cfg.tcpDelayLoop}), ${cfg.http} HTTP_GET (delay_loop ${cfg.httpDelayLoop})`);
      for (const name of IMPLS) runs.push(await measure(lab, scenario, implOf(name), conf));
    }
  } finally {
    await lab.destroy(KEEP);
    if (KEEP) log(`files kept in ${lab.dir}`);
  }
  const where = process.env.VM_RUN ? 'inside the IPVS VM (TCG: slow, compare ratios)' : 'host';
  console.log(`bench/checkers: window ${SECONDS} s after ${SETTLE} s of settling; ${where}; ours = ${OURS_BIN}`);
  console.log('wire drift: interval between two probes of one server minus delay_loop, as the server sees it (includes the probe\'s own duration)');
  console.log('scheduler drift: probe start minus its scheduled start, from the checker\'s timer heap (KEEPALIVED_TS_SCHED_STATS)');
  for (const scenario of SCENARIOS) {
    const cfg = scenarioConfig(scenario);
    const find = (impl: string): RunFigures | undefined => runs.find((r) => r.scenario === scenario && r.impl === impl);
    console.log('');
    console.log(scenarioTable(`scenario ${scenario}: ${cfg.tcp} TCP_CHECK + ${cfg.http} HTTP_GET`, find('ours'), find('keepalived')));
  }
  console.log('');
  for (const l of targetLines(runs)) console.log(l);
  console.log(JSON.stringify({ bench: 'checkers', seconds: SECONDS, runs }));
}

await main();
