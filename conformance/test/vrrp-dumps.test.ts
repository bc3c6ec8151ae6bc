/**
 * The VRRP child's signal dumps against Debian's keepalived 2.2.7, each run in
 * its own lab (same addresses) with the configuration of the reference dumps
 * (/work/shared/reference/keepalived-2.2.7/dumps/, config
 * packages/core/test/fixtures/configs/conf/configtest/warn-script-security.conf,
 * copied below): keepalived.data (SIGUSR1), keepalived.stats (SIGUSR2, then
 * SIGRTMAX-1 = STATS_CLEAR: print and clear, then SIGUSR2 again) and
 * keepalived.json (SIGRTMIN+2), all sent to the parent, which forwards them. Texts must be identical once the values that differ between
 * two runs are masked: wall-clock times, MAC and link-local addresses, file
 * descriptors and advert counters. File modes must match too.
 */
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from '../lib/netns.js';
import { refKeepalived } from '../lib/paths.js';
import { sleep, VrrpLab, type Impl, type RouterProc } from '../lib/vrrp-lab.js';

const CONFIG = `global_defs {
    router_id SIGTEST
}
vrrp_script chk_true {
    script "/bin/true"
    interval 2
    weight -20
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    version 2
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        192.0.2.200/24 dev eth0
    }
    track_script {
        chk_true
    }
}
vrrp_instance VI_6 {
    state BACKUP
    interface eth0
    virtual_router_id 55
    priority 100
    advert_int 1
    version 3
    virtual_ipaddress {
        2001:db8::200/64 dev eth0
    }
}
`;

/** Values that legitimately differ between two runs. */
export function maskDump(text: string): string {
  return text
    .replace(/\d{10}\.\d{6} \([^)]*\)/g, 'TIME')
    .replace(/"last_transition":\d+\.\d+/g, '"last_transition":TIME')
    .replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, (m) => (m === 'ff:ff:ff:ff:ff:ff' ? m : 'MAC'))
    .replace(/fe80::[0-9a-f:]+/g, 'LINKLOCAL')
    .replace(/fd_in \d+, fd_out \d+/g, 'fd_in N, fd_out N')
    .replace(/fd_in \d+ fd_out = \d+/g, 'fd_in N fd_out = N')
    .replace(/(Sent|Received): \d+/g, '$1: N')
    .replace(/"(advert_sent|advert_rcvd)":\d+/g, '"$1":N');
}

interface Run {
  files: Record<string, string>;
  modes: Record<string, number>;
  log: string;
}

// keepalived --signum=STATS_CLEAR / --signum=JSON
const SIGSTATS_CLEAR = 63;
const SIGJSON = 36;

async function collect(impl: Impl, lab: VrrpLab): Promise<Run> {
  const tmp = join(lab.dir, `tmp-${impl}`);
  mkdirSync(tmp);
  const conf = join(lab.dir, 'ka.conf');
  writeFileSync(conf, CONFIG);
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  let r: RouterProc;
  try {
    r = lab.start('r1', impl, conf);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  // VI_6 (BACKUP, alone) becomes master after Master_Down_Interval (~3.6 s).
  await lab.waitFor(() => lab.holds('r1', '2001:db8::200') && lab.holds('r1', '192.0.2.200'), 15_000, 100);
  await sleep(1500);
  const files: Record<string, string> = {};
  const modes: Record<string, number> = {};
  const grab = async (sig: NodeJS.Signals | number, file: string, key: string): Promise<void> => {
    const path = join(tmp, file);
    const before = existsSync(path) ? statSync(path).mtimeMs : 0;
    process.kill(r.proc.pid!, sig);
    const waited = await lab.waitFor(() => existsSync(path) && statSync(path).mtimeMs !== before && statSync(path).size > 0, 5000, 20);
    if (waited < 0) throw new Error(`${impl}: ${file} not written after signal ${sig}`);
    await sleep(100);
    files[key] = readFileSync(path, 'utf8');
    modes[key] = statSync(path).mode & 0o777;
  };
  await grab('SIGUSR1', 'keepalived.data', 'data');
  await grab('SIGUSR2', 'keepalived.stats', 'stats');
  await grab(SIGSTATS_CLEAR, 'keepalived.stats', 'stats_on_clear');
  await grab('SIGUSR2', 'keepalived.stats', 'stats_after_clear');
  await grab(SIGJSON, 'keepalived.json', 'json');
  await lab.stop(r);
  return { files, modes, log: r.output() };
}

if (!isRoot() || !existsSync(refKeepalived)) {
  t.fail('needs root and Debian keepalived 2.2.7');
} else {
  t.setTimeout(120_000);
  t.test('USR1 / USR2 / STATS_CLEAR / JSON dumps match keepalived 2.2.7', async (t) => {
    const labs = [new VrrpLab('kdo', ['r1']), new VrrpLab('kdk', ['r1'])];
    t.teardown(async () => {
      for (const l of labs) await l.destroy();
    });
    const [ours, theirs] = await Promise.all([collect('ours', labs[0]!), collect('keepalived', labs[1]!)]);
    for (const key of Object.keys(theirs.files)) {
      t.equal(maskDump(ours.files[key] ?? '(missing)'), maskDump(theirs.files[key]!), `${key}: same text`);
      t.equal((ours.modes[key] ?? 0).toString(8), theirs.modes[key]!.toString(8), `${key}: same file mode`);
    }
    // after STATS_CLEAR the counters restart: keepalived's second USR2 shows only what came since
    t.match(ours.files.stats_after_clear, /Became master: 0/, 'become_master cleared');
    t.match(ours.files.stats_on_clear, /Became master: 1/, 'STATS_CLEAR prints before clearing');
    for (const line of [
      /Printing VRRP data for process\(\d+\) on signal/,
      /Printing VRRP stats for process\(\d+\) on signal/,
      /Printing and clearing VRRP stats for process\(\d+\) on signal/,
      /Printing VRRP as json for process\(\d+\) on signal/,
    ]) t.match(ours.log, line, `log: ${line.source}`);
  });
}
