/**
 * keepalived's process priorities for a child (lib/process.c):
 * vrrp_/checker_ priority (nice), rt_priority (SCHED_RR, bounded by
 * rlimit_rttime), no_swap (reported, see apply()), and max_auto_priority - a child whose
 * timers fire more than min_auto_priority_delay late raises itself to
 * realtime scheduling one step at a time. Same log texts as keepalived.
 */
import {
  RLIMIT_RTTIME,
  SCHED_RESET_ON_FORK,
  SCHED_RR,
  type NativeBinding,
} from '@keepalived-ts/native';
import type { ProcessTuning } from '../config/model/global.js';

/** sched_get_priority_min(SCHED_RR) on Linux. */
const RR_PRIORITY_MIN = 1;

export type PriorityNative = Pick<NativeBinding, 'schedSetScheduler' | 'setPriority'> &
  Partial<Pick<NativeBinding, 'setrlimit' | 'schedSetAffinity'>>;

export interface PriorityLog {
  info(text: string): void;
  warn(text: string): void;
}

export class ProcessPriorities {
  private currentRtPriority = 0;
  private currentRlimitUs = 0;
  private defaultRlimitUs = 0;
  private maxRtPriority = 0;
  private noSwapReported = false;

  constructor(
    private readonly native: PriorityNative,
    private readonly log: PriorityLog,
    /** 'VRRP' or 'Checker', for the SIGXCPU line. */
    private readonly processLabel: string,
  ) {}

  /** set_process_priorities() as a child runs it after reading its configuration. */
  apply(t: ProcessTuning, maxAutoPriority: number): void {
    if (t.cpuAffinity.length > 0) this.setAffinity(t.cpuAffinity);
    if (maxAutoPriority !== -1) this.maxRtPriority = maxAutoPriority;
    if (t.realtimePriority) this.setRealtime(t.realtimePriority, t.rlimitRttime);
    else {
      if (t.priority) this.setNice(t.priority);
      this.defaultRlimitUs = t.rlimitRttime;
    }
    if (t.noSwap && !this.noSwapReported) {
      // Deliberately not mlockall(): V8 returns heap pages with
      // madvise(MADV_DONTNEED), which the kernel refuses on locked memory
      // (EINVAL), and V8 aborts on that (seen here: SIGILL when a worker or
      // the heap shrinks). A service that must not swap sets MemorySwapMax=0.
      this.noSwapReported = true;
      this.log.info(
        'Unable to lock process in memory - not possible for a V8 process (it frees heap pages with madvise, refused on locked memory); use MemorySwapMax=0 in the service unit',
      );
    }
  }

  /**
   * A timer fired this late (keepalived checks after each wake-up). Past
   * min_auto_priority_delay with max_auto_priority set, the process moves up
   * one realtime step. The caller logs "A thread timer expired ...".
   */
  timerLate(): void {
    if (!this.maxRtPriority) return;
    let next: number;
    if (this.currentRtPriority) {
      if (this.currentRtPriority >= this.maxRtPriority) return;
      next = this.currentRtPriority + 1;
    } else next = RR_PRIORITY_MIN;
    this.setRealtime(next, this.currentRlimitUs ? 0 : this.defaultRlimitUs);
    this.log.info(`Set realtime priority ${this.currentRtPriority}`);
  }

  /** The realtime priority in force (0: normal scheduling). */
  get realtimePriority(): number {
    return this.currentRtPriority;
  }

  private setRealtime(priority: number, rlimitUs: number): void {
    try {
      // SCHED_RESET_ON_FORK: scripts started from this process run with normal scheduling
      this.native.schedSetScheduler(SCHED_RR | SCHED_RESET_ON_FORK, priority);
    } catch {
      this.log.warn('child process: cannot raise priority');
      return;
    }
    this.currentRtPriority = priority;
    if (!rlimitUs) return;
    this.watchCpuLimit();
    try {
      if (!this.native.setrlimit) throw new Error('no setrlimit');
      // the soft limit warns (SIGXCPU) halfway, the hard one ends a runaway realtime process
      this.native.setrlimit(RLIMIT_RTTIME, Math.floor(rlimitUs / 2), rlimitUs);
      this.currentRlimitUs = rlimitUs;
    } catch {
      this.log.warn('child process cannot set realtime rlimit');
    }
  }

  private watchingCpu = false;
  private watchCpuLimit(): void {
    if (this.watchingCpu) return;
    this.watchingCpu = true;
    process.on('SIGXCPU', () => {
      const prefix = this.processLabel.toLowerCase();
      this.log.info(`${this.processLabel} process has used too much CPU time, ${prefix}_rlimit_rttime may need to be increased`);
    });
  }

  /** set_process_cpu_affinity: the CPUs this child may run on (vrrp_cpu_affinity / checker_cpu_affinity). */
  private setAffinity(cpus: number[]): void {
    try {
      if (!this.native.schedSetAffinity) throw Object.assign(new Error('not available'), { code: 'ENOSYS' });
      this.native.schedSetAffinity(cpus);
    } catch (e) {
      this.log.warn(`unable to set cpu affinity to ${this.processLabel.toLowerCase()} process (${reason(e)})`);
    }
  }

  private setNice(nice: number): void {
    try {
      this.native.setPriority(nice);
    } catch (e) {
      this.log.info(`Unable to set process priority to ${nice} - ${reason(e)}`);
    }
  }
}

/** keepalived's text for a timer that fired over min_auto_priority_delay late. */
export function timerExpiredLateMessage(lateUs: number): string {
  const whole = Math.floor(lateUs);
  const secs = Math.floor(whole / 1_000_000);
  const usecs = whole % 1_000_000;
  return `A thread timer expired ${secs}.${String(usecs).padStart(6, '0')} seconds ago`;
}

const STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
  ENOMEM: 'Cannot allocate memory',
  EINVAL: 'Invalid argument',
};

function reason(e: unknown): string {
  const code = (e as { code?: string }).code;
  return (code && STRERROR[code]) ?? (e instanceof Error ? e.message : String(e));
}
