/**
 * What the running checker process knows, for the checker dump. Servers and
 * checkers are addressed by position in the configuration (virtual server
 * index, real server index within it, checker index within the real server),
 * which is also keepalived's list order. Every callback may return undefined:
 * the start-up (-d) value is then printed.
 */
import type { Timeval } from './format.js';

export interface VirtualServerRuntime {
  /** Service is in IPVS (vs->alive). */
  alive: boolean;
  quorumUp: boolean;
  reloaded?: boolean;
}

export interface RealServerRuntime {
  /** effective_weight (may leave the IPVS range; WEIGHT prints it clamped). */
  effectiveWeight: number;
  previousEffectiveWeight: number;
  alive: boolean;
  numFailedCheckers: number;
  /** In the IPVS table (rs->set). */
  set: boolean;
  reloaded?: boolean;
}

export interface CheckerStateRuntime {
  enabled: boolean;
  up: boolean;
  hasRun: boolean;
  /** Dynamic weight of a MISC_CHECK / FILE_CHECK (cur_weight). */
  currentWeight: number;
  /** retry_it: failures left before the checker declares the RS down. */
  retriesIterations: number;
  lastErrno?: number;
  /** HTTP_GET/SSL_GET: path of the URL that failed. */
  failedUrl?: string;
  /** MISC_CHECK: last run start and exit status. */
  miscLastRan?: Timeval;
  miscLastStatus?: number;
  /** FILE_CHECK: the tracked file survived a reload. */
  fileReloaded?: boolean;
}

export interface VsgEntryRuntime {
  tcpAlive: number;
  udpAlive: number;
  sctpAlive: number;
  fwm4Alive: number;
  fwm6Alive: number;
  reloaded: boolean;
}

export interface CheckerDumpRuntime {
  virtualServer?(vsIndex: number): VirtualServerRuntime | undefined;
  realServer?(vsIndex: number, rsIndex: number): RealServerRuntime | undefined;
  /** The sorry server's own inhibit flag after keepalived matched it against the real servers. */
  checker?(vsIndex: number, rsIndex: number, checkerIndex: number): CheckerStateRuntime | undefined;
  vsgEntry?(group: string, entryIndex: number): VsgEntryRuntime | undefined;
}
