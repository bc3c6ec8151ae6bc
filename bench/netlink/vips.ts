// bench/netlink: VIP churn through our rtnetlink client vs `ip -batch`, and
// the live table under a 10,000-event notification storm. Runs in network
// namespaces it creates and deletes. Figures only; nothing here asserts speed.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { AF_INET6, CLONE_NEWNET, loadNative, type NativeBinding } from '@keepalived-ts/native';
import { InterfaceTable, Rtnetlink, type Logger } from '@keepalived-ts/netlink-reflector';

const VIPS = Number(process.env.VIPS ?? 1000);
const EVENTS = Number(process.env.EVENTS ?? 10000);
const native = loadNative();

interface Ns { name: string; ip(...a: string[]): string; batch(lines: string[]): void; enter<T>(fn: () => T): T; destroy(): void }

function makeNs(native: NativeBinding, tag: string): Ns {
  const name = `nlrbench-${tag}-${process.pid}`;
  execFileSync('ip', ['netns', 'add', name]);
  const ns: Ns = {
    name,
    ip: (...a) => execFileSync('ip', ['-n', name, ...a], { encoding: 'utf8' }),
    batch: (lines) => {
      execFileSync('ip', ['-n', name, '-batch', '-'], { input: lines.join('\n') + '\n', maxBuffer: 1 << 26 });
    },
    enter(fn) {
      const home = openSync('/proc/self/ns/net', 'r');
      try {
        native.setns(`/run/netns/${name}`, CLONE_NEWNET);
        try { return fn(); } finally { native.setns(home, CLONE_NEWNET); }
      } finally { closeSync(home); }
    },
    destroy: () => { try { execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' }); } catch { /* gone */ } },
  };
  try {
    ns.ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    ns.ip('link', 'set', 'eth0', 'up');
  } catch (e) {
    ns.destroy();
    throw e;
  }
  return ns;
}

/** n distinct host addresses from the documentation ranges. */
function vipList(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const block = i >> 8;
    const host = i & 0xff;
    if (host === 0 || host === 255) continue;
    out.push(block === 0 ? `192.0.2.${host}` : block === 1 ? `198.51.100.${host}` : `2001:db8::${i.toString(16)}`);
  }
  return out;
}

function ms(t0: number): number {
  return performance.now() - t0;
}

function countAddrs(ns: Ns): number {
  return (JSON.parse(ns.ip('-j', 'addr', 'show', 'dev', 'eth0')) as Array<{ addr_info: Array<{ scope: string }> }>)[0]!
    .addr_info.filter((a) => a.scope !== 'link').length;
}

async function vipChurn(): Promise<Array<[string, number, number]>> {
  const vips = vipList(VIPS);
  const prefix = (v: string): string => (v.includes(':') ? `${v}/128` : `${v}/32`);
  const rows: Array<[string, number, number]> = [];

  const ns = makeNs(native, 'vip');
  try {
    const rt = ns.enter(() => new Rtnetlink({ native }));
    try {
      const ifindex = await rt.ifindex('eth0');
      let t0 = performance.now();
      for (const v of vips) await rt.addAddress({ address: prefix(v), dev: ifindex, nodad: v.includes(':') });
      const addOurs = ms(t0);
      if (countAddrs(ns) !== vips.length) throw new Error(`ours: expected ${vips.length} addresses after add`);
      t0 = performance.now();
      for (const v of vips) await rt.removeAddress({ address: prefix(v), dev: ifindex });
      const delOurs = ms(t0);
      if (countAddrs(ns) !== 0) throw new Error('ours: addresses left after remove');
      rows.push(['ours (1 request per VIP, by ifindex)', addOurs, delOurs]);

      t0 = performance.now();
      for (const v of vips) await rt.addAddress({ address: prefix(v), dev: 'eth0', nodad: v.includes(':') });
      const addByName = ms(t0);
      t0 = performance.now();
      for (const v of vips) await rt.removeAddress({ address: prefix(v), dev: 'eth0' });
      rows.push(['ours (by name: + RTM_GETLINK each)', addByName, ms(t0)]);
    } finally {
      rt.close();
    }

    let t0 = performance.now();
    ns.batch(vips.map((v) => `addr add ${prefix(v)} dev eth0${v.includes(':') ? ' nodad' : ''}`));
    const addIp = ms(t0);
    if (countAddrs(ns) !== vips.length) throw new Error('ip -batch: wrong address count after add');
    t0 = performance.now();
    ns.batch(vips.map((v) => `addr del ${prefix(v)} dev eth0`));
    rows.push(['ip -batch (one process, incl. spawn)', addIp, ms(t0)]);
  } finally {
    ns.destroy();
  }
  return rows;
}

interface StormResult { label: string; events: number; resyncs: number; finalOk: boolean; ipMs: number; lagMs: number }

async function monitorStorm(label: string, rcvbuf: number | undefined): Promise<StormResult> {
  const ns = makeNs(native, rcvbuf ? 'small' : 'storm');
  const quiet: Logger = { info() {}, warn() {}, error() {}, debug() {} };
  try {
    const table = await ns.enter(() =>
      InterfaceTable.open({ native, logger: quiet, ...(rcvbuf ? { monitor: { rcvbuf } } : {}) }));
    try {
      const eth0 = table.linkByName('eth0')!.ifindex;
      // IPv6 from 2001:db8::/32 gives room for thousands of distinct VIPs; nodad and
      // noprefixroute keep it to exactly one add and one remove notification each.
      const half = Math.floor(EVENTS / 2);
      const vips = Array.from({ length: half }, (_, i) => `2001:db8:1::${(i + 1).toString(16)}`);
      const mine = (a: { ifindex: number; address: string }): boolean => a.ifindex === eth0 && a.address.startsWith('2001:db8:1::');
      let added = 0;
      let removed = 0;
      let resyncs = 0;
      table.on('addressAdded', (a) => { if (mine(a)) added++; });
      table.on('addressRemoved', (a) => { if (mine(a)) removed++; });
      table.on('resynced', () => resyncs++);
      const present = (): number => table.addresses({ ifindex: eth0, family: AF_INET6 }).filter(mine).length;
      let t0 = performance.now();
      ns.batch(vips.map((v) => `addr add ${v}/128 dev eth0 nodad noprefixroute`));
      let ipMs = ms(t0);
      t0 = performance.now();
      await waitUntil(() => present() === half && added >= half);
      let lagMs = ms(t0);
      t0 = performance.now();
      ns.batch(vips.map((v) => `addr del ${v}/128 dev eth0`));
      ipMs += ms(t0);
      t0 = performance.now();
      await waitUntil(() => present() === 0 && removed >= half);
      lagMs += ms(t0);
      return { label, events: added + removed, resyncs, finalOk: added === half && removed === half,
        ipMs, lagMs };
    } finally {
      table.close();
    }
  } finally {
    ns.destroy();
  }
}

function waitUntil(check: () => boolean, limitMs = 60000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = (): void => {
      if (check()) return resolve();
      if (Date.now() - t0 > limitMs) return reject(new Error('bench: table did not converge'));
      setTimeout(tick, 5);
    };
    tick();
  });
}

async function main(): Promise<void> {
  const churn = await vipChurn();
  console.log(`\nnetlink: add then remove ${VIPS} VIPs (IPv4 + IPv6 /32,/128 on a veth, fresh namespace)`);
  console.log(`${'method'.padEnd(40)} ${'add ms'.padStart(9)} ${'remove ms'.padStart(10)} ${'add/s'.padStart(8)}`);
  for (const [name, add, del] of churn) {
    console.log(`${name.padEnd(40)} ${add.toFixed(1).padStart(9)} ${del.toFixed(1).padStart(10)} ${
      Math.round((VIPS / add) * 1000).toString().padStart(8)}`);
  }
  console.log(`\nnetlink: live table under ${EVENTS} address notifications (ip -batch add then del)`);
  console.log('(ip ms: time ip -batch itself took; lag ms: from ip exiting until the table had every change)');
  console.log(`${'monitor'.padEnd(40)} ${'events'.padStart(7)} ${'re-dumps'.padStart(9)} ${'converged'.padStart(10)} ${'ip ms'.padStart(8)} ${'lag ms'.padStart(7)}`);
  for (const r of [await monitorStorm('16 MiB SO_RCVBUFFORCE (default)', undefined),
    await monitorStorm('minimum SO_RCVBUF (forced overflow)', 1)]) {
    console.log(`${r.label.padEnd(40)} ${String(r.events).padStart(7)} ${String(r.resyncs).padStart(9)} ${
      (r.finalOk ? 'yes' : 'NO').padStart(10)} ${r.ipMs.toFixed(0).padStart(8)} ${r.lagMs.toFixed(0).padStart(7)}`);
    if (!r.finalOk) process.exitCode = 1;
  }
}

await main();
