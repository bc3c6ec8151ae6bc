/**
 * conformance/vm: one guest boot runs ipvs-smoke.sh, which proves the guest has a real
 * IPVS kernel (modprobe, ipvsadm add/save/clear, per-netns tables) and working network
 * namespaces, and exercises vm-run's contract (exit status, stderr, VM_RW, environment).
 * Cheap failure paths (usage, missing cache, VM_TIMEOUT during boot) need no full run.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { VM_EXIT_HARNESS, VM_EXIT_TIMEOUT, runInVm, setupVm, vmDir, vmRunScript } from '../vm/vm.js';

interface Step {
  output: string;
  rc: number;
}

/** "==== NAME\n<output>==== NAME rc=N" blocks of ipvs-smoke.sh. */
function parseSteps(stdout: string): Map<string, Step> {
  const steps = new Map<string, Step>();
  const re = /^==== (\S+)\n([\s\S]*?)^==== \1 rc=(\d+)$/gm;
  for (const m of stdout.matchAll(re)) steps.set(m[1] as string, { output: m[2] as string, rc: Number(m[3]) });
  return steps;
}

/** PIDs of running QEMU processes (comm is truncated to 15 characters). */
function qemuPids(): Set<string> {
  const pids = new Set<string>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('qemu-system')) pids.add(pid);
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

function leftoverQemu(before: Set<string>): string[] {
  return [...qemuPids()].filter((p) => !before.has(p));
}

const setup = setupVm();
if (!setup.ok) {
  t.fail(`conformance/vm/setup.sh failed (it needs root and Debian's package archive):\n${setup.output}`);
} else {
  t.test('vm-run usage errors are harness failures (125)', async (t) => {
    const noArgs = spawnSync(vmRunScript, [], { encoding: 'utf8' });
    t.equal(noArgs.status, VM_EXIT_HARNESS, 'no command');
    t.match(noArgs.stderr, /usage: vm-run/);
    const emptyCache = mkdtempSync(join(tmpdir(), 'vm-harness-cache-'));
    t.teardown(() => rmSync(emptyCache, { recursive: true, force: true }));
    const notSetUp = spawnSync(vmRunScript, ['true'], { encoding: 'utf8', env: { ...process.env, VM_CACHE: emptyCache } });
    t.equal(notSetUp.status, VM_EXIT_HARNESS, 'cache missing');
    t.match(notSetUp.stderr, /not set up: run .*setup\.sh/);
  });

  t.test('VM_TIMEOUT expiring during boot gives 124 and leaves no qemu', async (t) => {
    const before = qemuPids();
    const r = await runInVm(['true'], { timeoutSec: 1 });
    t.equal(r.code, VM_EXIT_TIMEOUT);
    t.match(r.stderr, /VM_TIMEOUT \(1 s\) expired/);
    t.same(leftoverQemu(before), [], 'qemu was killed');
  });

  t.test('a boot that never starts the command is retried, then fails with 125', async (t) => {
    const before = qemuPids();
    // no boot reaches the command within 1 s under TCG (2-3 s measured): every attempt times out
    const r = await runInVm(['true'], { env: { ...process.env, VM_BOOT_TIMEOUT: '1', VM_BOOT_RETRIES: '2' } });
    t.equal(r.code, VM_EXIT_HARNESS);
    t.match(r.stderr, /boot attempt 1\/2 failed[\s\S]*boot attempt 2\/2 failed[\s\S]*never started the command/);
    t.same(leftoverQemu(before), [], 'every attempt\'s qemu was killed');
  });

  t.test('SIGTERM to vm-run while the command runs kills qemu', async (t) => {
    const before = qemuPids();
    const rw = mkdtempSync(join(tmpdir(), 'vm-harness-term-'));
    t.teardown(() => rmSync(rw, { recursive: true, force: true }));
    const marker = join(rw, 'running');
    const child = spawn(vmRunScript, ['sh', '-c', `touch ${marker}; sleep 60`], {
      env: { ...process.env, VM_RW: rw, VM_TIMEOUT: '120' },
      stdio: 'ignore',
    });
    const exited = once(child, 'exit');
    const deadline = Date.now() + 90_000;
    while (!existsSync(marker) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    t.ok(existsSync(marker), 'the command started in the guest');
    const qemuWhileRunning = leftoverQemu(before);
    t.equal(qemuWhileRunning.length, 1, 'one qemu while the command runs');
    child.kill('SIGTERM');
    const [code] = await exited;
    t.equal(code, 143, 'vm-run exits 128+SIGTERM');
    t.same(leftoverQemu(before), [], 'qemu was killed');
  });

  t.test('one boot: IPVS and netns in the guest, exit status, stderr, VM_RW, environment', async (t) => {
    const rw = mkdtempSync(join(tmpdir(), 'vm-harness-rw-'));
    t.teardown(() => rmSync(rw, { recursive: true, force: true }));
    const before = qemuPids();
    const r = await runInVm([join(vmDir, 'ipvs-smoke.sh')], {
      rw: [rw],
      timeoutSec: 240,
      env: { ...process.env, SMOKE_EXIT: '7', SMOKE_RW_DIR: rw },
    });
    t.same(leftoverQemu(before), [], 'qemu exited');
    t.equal(r.code, 7, `the guest command's exit status comes back (stderr: ${r.stderr})`);
    t.equal(r.stderr, 'smoke: this line goes to stderr\n', 'stderr is separate and holds only the command\'s');

    const steps = parseSteps(r.stdout);
    const step = (name: string): Step => {
      const s = steps.get(name);
      if (!s) throw new Error(`step ${name} missing from the guest output:\n${r.stdout}`);
      return s;
    };
    t.same([...steps.keys()], [
      'kernel', 'modprobe', 'proc-ip-vs', 'add-service', 'add-dest', 'save', 'scheduler-wlc', 'save-wlc',
      'modules', 'netns-add', 'veth', 'addr', 'ping', 'netns-ipvs', 'clear', 'save-after-clear',
      'env-passed', 'rw-write',
    ], 'every step ran, in order');
    for (const [name, s] of steps) t.equal(s.rc, 0, `step ${name} succeeded`, { output: s.output });

    const kernel = step('kernel').output.trim();
    t.match(kernel, /^6\.1\.0-\d+-amd64$/, 'the guest runs Debian\'s kernel');
    t.equal(step('save').output,
      '-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.1:80 -r 192.0.2.11:80 -m -w 1\n', 'ipvsadm -Sn shows the service and NAT destination');
    t.equal(step('save-wlc').output,
      '-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.11:80 -m -w 1\n', 'the scheduler was changed in place');
    t.same(step('modules').output.trim().split('\n'), ['ip_vs', 'ip_vs_rr', 'ip_vs_wlc'], 'scheduler modules auto-loaded');
    t.match(step('ping').output, /1 packets transmitted, 1 received/, 'veth between the root netns and a new netns carries traffic');
    t.equal(step('netns-ipvs').output, '', 'a new netns has its own empty IPVS table');
    t.equal(step('save-after-clear').output, '', 'ipvsadm -C empties the table');
    t.equal(step('env-passed').output, '7\n', 'the caller\'s environment reaches the command');
    t.equal(readFileSync(join(rw, 'written-in-guest.txt'), 'utf8'), `${kernel}\n`, 'VM_RW directories are writable from the guest');
  });
}
