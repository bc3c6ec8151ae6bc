/**
 * Not a test: measures the CPU cost of N TCP_CHECKs at delay_loop 1 against
 * one local listener (run in a child process so its CPU is not counted).
 *   node packages/checkers/dist/test/measure-tcp-cost.js [checkers=5000] [seconds=10]
 */
import { spawn } from 'node:child_process';
import { HealthCheckService } from '../src/service.js';
import type { RealServerSettings } from '../src/model.js';

const n = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 10);

const server = spawn(
  process.execPath,
  [
    '-e',
    `let c=0;const s=require('net').createServer(k=>{c++;k.on('error',()=>{});k.end()});` +
      `s.listen(0,'127.0.0.1',()=>console.log(s.address().port));setInterval(()=>console.error(c),1000)`,
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let accepted = 0;
server.stderr.on('data', (d: Buffer) => (accepted = Number(d.toString().trim().split('\n').at(-1))));
const port = await new Promise<number>((r) => server.stdout.once('data', (d: Buffer) => r(Number(d.toString()))));

const realServers: RealServerSettings[] = [];
for (let i = 0; i < n; i++) {
  realServers.push({
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: 80,
    checkers: [{ type: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: port, connectTimeout: 3 }],
  });
}
let logLines = 0;
const svc = new HealthCheckService(
  { globals: {}, virtualServers: [{ ip: '192.0.2.1', port: 80, delayLoop: 1, realServers }] },
  { logger: { info: () => void logLines++ }, logBfdActivation: false },
);
await svc.start();
await new Promise((r) => setTimeout(r, 3000)); // bootstrap + warmup spread
const a0 = accepted;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const cpu = process.cpuUsage(cpu0);
const wall = (performance.now() - t0) / 1000;
const probes = accepted - a0;
await svc.stop();
server.kill();
const cpuS = (cpu.user + cpu.system) / 1e6;
console.log(
  JSON.stringify({
    checkers: n,
    wallSeconds: +wall.toFixed(2),
    probesPerSecond: Math.round(probes / wall),
    cpuUserSeconds: +(cpu.user / 1e6).toFixed(2),
    cpuSystemSeconds: +(cpu.system / 1e6).toFixed(2),
    cpuPercentOfOneCore: +((100 * cpuS) / wall).toFixed(1),
    microsecondsCpuPerProbe: Math.round((cpuS * 1e6) / Math.max(1, probes)),
    failedLines: logLines,
  }),
);
process.exit(0);
