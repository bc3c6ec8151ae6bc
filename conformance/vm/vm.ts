/**
 * Node wrapper around conformance/vm/vm-run: runs one command inside a QEMU guest with a
 * real IPVS kernel (see conformance/vm/README.md). Boots cost seconds under TCG, so a
 * suite should run one guest script that does all of its checks.
 */
import '../lib/production-env.js';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** conformance/vm (this file compiles to conformance/dist/vm/). */
export const vmDir = resolve(here, '../../vm');
export const vmRunScript = resolve(vmDir, 'vm-run');
export const vmSetupScript = resolve(vmDir, 'setup.sh');

/** vm-run's own exit statuses; any other status is the guest command's. */
export const VM_EXIT_TIMEOUT = 124;
export const VM_EXIT_HARNESS = 125;

export interface VmRunOptions {
  /** Host directories shared read-write at the same path (VM_RW). */
  rw?: string[];
  memMiB?: number;
  cpus?: number;
  /** Whole run, boot included (VM_TIMEOUT). */
  timeoutSec?: number;
  /** Environment of the command (default: this process's); VM_* keys are set from the options. */
  env?: NodeJS.ProcessEnv;
  /** Directory the command runs in, in the guest as on the host. */
  cwd?: string;
}

export interface VmRunResult {
  /** The guest command's exit status, or VM_EXIT_TIMEOUT / VM_EXIT_HARNESS. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs conformance/vm/setup.sh (idempotent; downloads the kernel on a fresh machine). */
export function setupVm(): { ok: boolean; output: string } {
  const r = spawnSync(vmSetupScript, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export function vmEnv(opts: VmRunOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
  if (opts.rw?.length) env.VM_RW = opts.rw.join(':');
  if (opts.memMiB !== undefined) env.VM_MEM = String(opts.memMiB);
  if (opts.cpus !== undefined) env.VM_CPUS = String(opts.cpus);
  if (opts.timeoutSec !== undefined) env.VM_TIMEOUT = String(opts.timeoutSec);
  return env;
}

/**
 * Runs argv in the guest and collects its output. vm-run is started under
 * `setpriv --pdeathsig TERM` where available, so the guest is killed even when this
 * process dies without cleaning up (vm-run kills qemu by PID on TERM).
 */
export function runInVm(argv: string[], opts: VmRunOptions = {}): Promise<VmRunResult> {
  const base = [vmRunScript, '--', ...argv];
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));
  const [cmd, ...args] = setpriv ? [setpriv, '--pdeathsig', 'TERM', '--', ...base] : base;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd as string, args, {
      cwd: opts.cwd ?? process.cwd(),
      env: vmEnv(opts),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolvePromise({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
}
