// bench/ipvs: runs INSIDE the vm-run guest (a real IPVS kernel; see run.sh).
// Programs SERVICES x DESTS NAT services, then a 1% change, once with our reconciler
// and once with `ipvsadm -R`, and prints netlink messages/bytes sent (ours: the socket's
// counters; ipvsadm: strace -e sendmsg) and times (wall, and the kernel's share as
// system CPU time of the process doing it). Figures only; nothing here asserts speed.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadNative } from '@keepalived-ts/native';
import { IpvsClient, IpvsReconciler, type DesiredTable, type DesiredVirtualServer } from '@keepalived-ts/ipvs-wrapper';

const SERVICES = Number(process.env.SERVICES ?? 1000);
const DESTS = Number(process.env.DESTS ?? 10);

function sh(argv: string[], input = ''): { rc: number; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { rc: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function table(weightBump: (s: number, d: number) => number, dropLast: boolean, inhibit?: [number, number]): DesiredTable {
  const vss: DesiredVirtualServer[] = [];
  for (let s = 0; s < SERVICES - (dropLast ? 1 : 0); s++) {
    const destinations = [];
    for (let d = 0; d < DESTS; d++) {
      destinations.push({
        address: `198.51.100.${1 + d}`, port: 20000 + s, forwarding: 'nat' as const,
        weight: 1 + ((s + d) % 10) + weightBump(s, d), inhibited: inhibit?.[0] === s && inhibit[1] === d,
      });
    }
    vss.push({ address: '192.0.2.1', port: 10000 + s, protocol: 'tcp', scheduler: 'wlc', destinations });
  }
  return { virtualServers: vss };
}

/** 1%: every 100th destination's weight changes; one server inhibited; the last service removed. */
const bumped = (s: number, d: number): number => ((s * DESTS + d) % 100 === 0 ? 100 : 0);
const INHIBIT: [number, number] = [5, 5];

function rules(t: DesiredTable): string[] {
  const out: string[] = [];
  for (const vs of t.virtualServers) {
    const svc = `-t ${vs.address}:${vs.port}`;
    out.push(`-A ${svc} -s ${vs.scheduler}`);
    for (const d of vs.destinations) out.push(`-a ${svc} -r ${d.address}:${d.port} -m -w ${d.inhibited ? 0 : d.weight}`);
  }
  return out;
}

/** The same change as ipvsadm edit lines: -e for each changed weight, -D for the removed service. */
function editRules(): string[] {
  const out: string[] = [];
  for (let s = 0; s < SERVICES - 1; s++) {
    for (let d = 0; d < DESTS; d++) {
      const inh = INHIBIT[0] === s && INHIBIT[1] === d;
      if (!bumped(s, d) && !inh) continue;
      const w = inh ? 0 : 1 + ((s + d) % 10) + bumped(s, d);
      out.push(`-e -t 192.0.2.1:${10000 + s} -r 198.51.100.${1 + d}:${20000 + s} -m -w ${w}`);
    }
  }
  out.push(`-D -t 192.0.2.1:${10000 + SERVICES - 1}`);
  return out;
}

interface Figures { messages: number; bytes: number; wallMs: number; sysMs: number; userMs: number }

/** ipvsadm -R under strace (message count and bytes), then again under time (no strace overhead). */
function ipvsadmRun(lines: string[]): Figures & { ipvsMessages: number; rc: number } {
  const trace = '/tmp/ipvs-bench.strace';
  const st = sh(['strace', '-f', '-o', trace, '-e', 'trace=sendmsg', 'ipvsadm', '-R'], lines.join('\n') + '\n');
  let messages = 0;
  let bytes = 0;
  let ipvsMessages = 0;
  for (const l of readFileSync(trace, 'utf8').split('\n')) {
    const m = /sendmsg\(.*\) = (\d+)$/.exec(l);
    if (!m) continue;
    messages++;
    bytes += Number(m[1]);
    if (!l.includes('nlmsg_type=nlctrl')) ipvsMessages++;
  }
  rmSync(trace, { force: true });
  return { messages, bytes, ipvsMessages, rc: st.rc, wallMs: 0, sysMs: 0, userMs: 0 };
}

function ipvsadmTimed(lines: string[]): { wallMs: number; sysMs: number; userMs: number; rc: number } {
  const r = sh(['/usr/bin/time', '-f', 'TIME %e %U %S', 'ipvsadm', '-R'], lines.join('\n') + '\n');
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.out);
  return { wallMs: Number(m?.[1]) * 1000, userMs: Number(m?.[2]) * 1000, sysMs: Number(m?.[3]) * 1000, rc: r.rc };
}

async function ours(client: IpvsClient, rec: IpvsReconciler, t: DesiredTable): Promise<Figures & { commands: number; dumps: number }> {
  const c0 = { ...client.socket.counters };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await rec.apply(t);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (report.failures.length) throw new Error(`apply failed: ${report.failures[0]!.error.message}`);
  return {
    messages: client.socket.counters.messagesSent - c0.messagesSent, bytes: client.socket.counters.bytesSent - c0.bytesSent,
    wallMs, sysMs: cpu.system / 1000, userMs: cpu.user / 1000, commands: report.commands, dumps: report.dumps,
  };
}

const tableText = (rows: [string, string, string][]): string => rows.map(([a, b, c]) => `${a.padEnd(36)}${b.padStart(18)}  ${c.padStart(24)}`).join('\n');
const n = (v: number): string => Math.round(v).toLocaleString('en-US');

async function main(): Promise<void> {
  sh(['modprobe', 'ip_vs']);
  sh(['ipvsadm', '-C']);
  const full = table(() => 0, false);
  const changed = table(bumped, true, INHIBIT);
  const native = loadNative();
  const client = await IpvsClient.open(native);
  const lookup = { ...client.socket.counters };
  const rec = new IpvsReconciler(client);
  const oursFull = await ours(client, rec, full);
  const oursChange = await ours(client, rec, changed);
  const oursAgain = await ours(client, rec, changed);
  const saveOurs = sh(['ipvsadm', '-Sn']).out;
  client.close();

  sh(['ipvsadm', '-C']);
  const admFull = ipvsadmRun(rules(full));
  const admEdit = ipvsadmRun(editRules());
  const saveAdm = sh(['ipvsadm', '-Sn']).out;
  sh(['ipvsadm', '-C']);
  const admFullT = ipvsadmTimed(rules(full));
  const admEditT = ipvsadmTimed(editRules());
  sh(['ipvsadm', '-C']);
  const admReload = ipvsadmRun(rules(changed));
  sh(['ipvsadm', '-C']);
  const admReloadT = ipvsadmTimed(rules(changed));
  sh(['ipvsadm', '-C']);

  const sameTable = saveOurs === saveAdm;
  const header = `bench/ipvs: ${n(SERVICES)} services x ${DESTS} destinations (${n(SERVICES * (DESTS + 1))} objects), `
    + `kernel ${sh(['uname', '-r']).out.trim()} under QEMU TCG (times are emulated: compare ratios, not absolutes)`;
  console.log(header);
  console.log(`tables built both ways are identical (ipvsadm -Sn): ${sameTable ? 'yes' : 'NO'}`);
  console.log(`our family lookup (once per daemon): ${lookup.messagesSent} message, ${lookup.bytesSent} bytes\n`);
  console.log(tableText([
    ['', 'ours (reconciler)', 'ipvsadm -R'],
    ['initial program: messages sent', n(oursFull.messages), `${n(admFull.messages)} (${n(admFull.ipvsMessages)} IPVS)`],
    ['initial program: bytes sent', n(oursFull.bytes), n(admFull.bytes)],
    ['initial program: wall ms', n(oursFull.wallMs), n(admFullT.wallMs)],
    ['initial program: system (kernel) ms', n(oursFull.sysMs), n(admFullT.sysMs)],
    ['initial program: user ms', n(oursFull.userMs), n(admFullT.userMs)],
    ['1% change: messages sent', n(oursChange.messages), `${n(admEdit.messages)} (${n(admEdit.ipvsMessages)} IPVS)`],
    ['1% change: bytes sent', n(oursChange.bytes), n(admEdit.bytes)],
    ['1% change: wall ms', n(oursChange.wallMs), n(admEditT.wallMs)],
    ['1% change: system (kernel) ms', n(oursChange.sysMs), n(admEditT.sysMs)],
    ['re-apply unchanged: messages', n(oursAgain.messages), '-'],
  ]));
  console.log('\nipvsadm has no diff: "1% change" above is hand-written -e/-D lines fed to ipvsadm -R;');
  console.log(`a full reload instead (ipvsadm -C, then -R of the changed table) sends ${n(admReload.messages)} messages `
    + `(${n(admReload.ipvsMessages)} IPVS), ${n(admReload.bytes)} bytes, ${n(admReloadT.wallMs)} ms wall, ${n(admReloadT.sysMs)} ms system.`);
  console.log(JSON.stringify({
    services: SERVICES, dests: DESTS, sameTable, lookup, ours: { full: oursFull, change: oursChange, again: oursAgain },
    ipvsadm: { full: { ...admFull, ...admFullT }, edit: { ...admEdit, ...admEditT }, reload: { ...admReload, ...admReloadT } },
  }));
}

await main();
