/**
 * What happens after a probe: retries, keepalived's log lines, and the call
 * into the real-server state machine. Each checker type in keepalived has
 * its own epilog with subtly different retry counting and wording; these are
 * faithful ports of that behaviour (check_tcp.c tcp_epilog, check_udp.c /
 * check_ping.c, check_http.c epilog, check_smtp.c smtp_final, check_dns.c
 * dns_final, check_misc.c misc_check_child_thread).
 */
import type { CheckerTiming } from './resolve.js';
import type { CheckResult } from './types.js';
import type { HttpChecker } from './http.js';
import { IPVS_WEIGHT_FAULT, fileStatus, type FileChecker } from './file.js';

/** Per-checker runtime state shared with the state machine (keepalived's checker_t fields). */
export interface CheckerRuntime {
  isUp: boolean;
  hasRun: boolean;
  retryIt: number;
  /** Weight this checker currently contributes to the RS (MISC dynamic, FILE). */
  curWeight: number;
}

export interface EpilogContext {
  st: CheckerRuntime;
  timing: CheckerTiming;
  /** FMT_CHK: the RS as "[ip]:proto:port". */
  label: string;
  vsLabel: string;
  log(message: string): void;
  /** update_svr_checker_state(alive, checker). */
  update(alive: boolean): void;
  /** The RS's effective weight and configured weight. */
  rsWeights(): { effective: number; initial: number };
  /** update_svr_wgt(weight, vs, rs, true). */
  setRsWeight(effective: number): void;
  /** rs->effective_weight = value, without a kernel update (keepalived does this on failure). */
  setRsWeightQuiet(effective: number): void;
}

export interface EpilogPolicy {
  /** Returns the delay before the next probe, in ms. */
  after(result: CheckResult, ctx: EpilogContext): number;
}

/** TCP_CHECK: retries counted whether or not the checker is up. */
export const tcpPolicy: EpilogPolicy = layer4Policy('TCP connection to %s success.', 'TCP_CHECK on service %s', false);
/** UDP_CHECK: retries only while up. */
export const udpPolicy: EpilogPolicy = layer4Policy('UDP connection to %s success.', 'UDP_CHECK on service %s', true);
/** PING_CHECK: retries only while up; the "after retries" line names the VS too. */
export const pingPolicy: EpilogPolicy = layer4Policy('ICMP connection to %s success.', 'ICMP CHECK on service %s', true, true);

function layer4Policy(success: string, failPrefix: string, retryOnlyWhenUp: boolean, namesVs = false): EpilogPolicy {
  return {
    after(r, ctx) {
      const { st, timing } = ctx;
      if (!r.ok && st.isUp && ctx.timing.logAllFailures && r.reason) ctx.log(r.reason);
      let delay = timing.delayLoopMs;
      const exhausted = retryOnlyWhenUp ? (st.isUp || !st.hasRun) && st.retryIt >= timing.retry : st.retryIt >= timing.retry;
      if (r.ok || exhausted) {
        st.retryIt = 0;
        if (r.ok && (!st.isUp || !st.hasRun)) {
          ctx.log(success.replace('%s', ctx.label));
          ctx.update(true);
        } else if (!r.ok && (st.isUp || !st.hasRun)) {
          const head = failPrefix.replace('%s', ctx.label);
          if (timing.retry && st.hasRun) {
            ctx.log(`${head}${namesVs ? ` of ${ctx.vsLabel}` : ''} failed after ${timing.retry} retries.`);
          } else ctx.log(`${head} failed.`);
          ctx.update(false);
        }
      } else if (!retryOnlyWhenUp || st.isUp) {
        delay = timing.delayBeforeRetryMs;
        st.retryIt++;
      }
      st.hasRun = true;
      return delay;
    },
  };
}

/** SMTP_CHECK (smtp_final). */
export const smtpPolicy: EpilogPolicy = {
  after(r, ctx) {
    const { st, timing } = ctx;
    if (!r.ok) {
      if ((st.isUp || !st.hasRun) && (timing.logAllFailures || st.retryIt >= timing.retry) && r.reason) ctx.log(r.reason);
      if (++st.retryIt <= timing.retry) return timing.delayBeforeRetryMs;
      if (st.isUp || !st.hasRun) ctx.update(false);
      return timing.delayLoopMs;
    }
    st.retryIt = 0;
    if (!st.isUp || !st.hasRun) {
      ctx.log(`Remote SMTP server ${ctx.label} succeed on service.`);
      ctx.update(true);
    }
    st.hasRun = true;
    return timing.delayLoopMs;
  },
};

/** DNS_CHECK (dns_final): no success line at all. */
export const dnsPolicy: EpilogPolicy = {
  after(r, ctx) {
    const { st, timing } = ctx;
    if (!r.ok) {
      if (st.isUp || !st.hasRun) {
        if (r.reason && (timing.logAllFailures || st.retryIt >= timing.retry)) {
          let msg = r.reason;
          if (st.hasRun && st.retryIt >= timing.retry) msg += ` after ${timing.retry} retries`;
          ctx.log(`DNS_CHECK (${ctx.label}) ${msg}`);
        }
        if (st.retryIt < timing.retry) {
          st.retryIt++;
          st.hasRun = true;
          return timing.delayBeforeRetryMs;
        }
        ctx.update(false);
      }
    } else if (!st.isUp || !st.hasRun) {
      ctx.update(true);
    }
    st.retryIt = 0;
    return timing.delayLoopMs;
  },
};

/**
 * HTTP_GET / SSL_GET. One probe = one url. After a failure the failed url is
 * polled until it answers, then the whole list is walked again before the
 * checker is declared up (hence two good polls to recover).
 */
export class HttpPolicy implements EpilogPolicy {
  /** Index of the url that failed, or null. */
  failedUrl: number | null = null;
  /** null once the last url of a walk succeeded (keepalived's url_it == NULL). */
  private urlIt: number | null = 0;

  constructor(
    private readonly checker: HttpChecker,
    private readonly fastRecovery = false,
  ) {}

  after(r: CheckResult, ctx: EpilogContext): number {
    const { st } = ctx;
    if (r.ok) {
      if (!st.isUp) ctx.log(`${r.reason ?? 'HTTP status code'} success to ${ctx.label} url(${this.checker.currentUrl.path})`);
      return this.epilog('new', ctx);
    }
    if (st.isUp || !st.hasRun) {
      if (ctx.timing.logAllFailures && r.reason) ctx.log(r.reason);
      st.hasRun = true;
      return this.epilog('retry', ctx);
    }
    return this.epilog('failed', ctx);
  }

  private epilog(method: 'new' | 'retry' | 'failed', ctx: EpilogContext): number {
    const { st, timing } = ctx;
    const n = this.checker.urls.length;
    if (method === 'new') {
      this.urlIt = this.urlIt === null || this.urlIt >= n - 1 ? null : this.urlIt + 1;
      st.retryIt = 0;
    } else if (method === 'retry') st.retryIt++;

    if (method === 'new' && this.urlIt === null && this.failedUrl === null) {
      if (!st.isUp || !st.hasRun) {
        ctx.log(`Remote Web server ${ctx.label} succeed on service.`);
        ctx.update(true);
        st.hasRun = true;
      }
      this.urlIt = 0;
      st.retryIt = 0;
    } else if (method === 'retry' && st.retryIt > timing.retry) {
      if (st.isUp || !st.hasRun) {
        if (st.hasRun && timing.retry) ctx.log(`HTTP_CHECK on service ${ctx.label} failed after ${st.retryIt - 1} retries.`);
        else ctx.log(`HTTP_CHECK on service ${ctx.label} failed.`);
        ctx.update(false);
      }
      this.failedUrl = this.urlIt;
    } else if (method === 'new' && this.failedUrl !== null) {
      this.failedUrl = null;
      this.urlIt = 0;
      st.retryIt = 0;
    }

    let delay: number;
    if (method === 'new') {
      delay = timing.delayLoopMs;
      if (!st.hasRun) st.retryIt = timing.retry;
    } else if (this.failedUrl !== null) delay = Math.max(timing.delayBeforeRetryMs, timing.delayLoopMs);
    else delay = timing.delayBeforeRetryMs;

    this.checker.urlIndex = this.urlIt ?? 0;
    if (this.fastRecovery && (!st.hasRun || (!st.isUp && this.failedUrl === null))) return 0;
    return delay;
  }
}

/** MISC_CHECK, including misc_dynamic weights and keepalived's retry wording. */
export class MiscPolicy implements EpilogPolicy {
  lastExitCode = 0;

  constructor(
    private readonly script: string,
    private readonly dynamic: boolean,
  ) {}

  after(r: CheckResult, ctx: EpilogContext): number {
    const { st, timing } = ctx;
    let exitType: string | null = null;
    let success = false;
    let reason: string | null = null;
    let reasonCode = 0;
    let messageOnly = false;
    const logAll = timing.logAllFailures;

    if (r.exitCode !== undefined && r.signal === undefined) {
      const status = r.exitCode;
      if (status === 0 || (this.dynamic && status >= 2 && status <= 255)) {
        if (status !== this.lastExitCode) {
          const w = ctx.rsWeights();
          let effective = w.effective - st.curWeight;
          st.curWeight = status ? status - 2 - w.initial : 0;
          effective += st.curWeight;
          ctx.setRsWeight(effective);
          this.lastExitCode = status;
        }
        if (!st.isUp || !st.hasRun) {
          exitType = 'succeeded';
          success = true;
        }
        st.retryIt = 0;
      } else if (st.isUp || !st.hasRun) {
        exitType = 'failed';
        reason = 'exited with status';
        reasonCode = status;
        if (st.retryIt < timing.retry) {
          st.retryIt++;
          if (logAll) messageOnly = true;
          else exitType = null;
        } else {
          st.retryIt = 0;
          const w = ctx.rsWeights();
          ctx.setRsWeightQuiet(w.effective - st.curWeight);
          st.curWeight = 0;
          this.lastExitCode = status;
        }
      }
    } else if (st.isUp || !st.hasRun) {
      if (r.timedOut) exitType = 'timed out';
      else {
        exitType = 'failed';
        reason = 'due to signal';
        reasonCode = r.signal ?? 0;
      }
      if (st.retryIt < timing.retry) {
        st.retryIt++;
        if (logAll) messageOnly = true;
        else exitType = null;
      } else st.retryIt = 0;
    }

    if (exitType) {
      let message = '';
      if (!success) {
        const plural = timing.retry === 1 ? 'retry' : 'retries';
        if (timing.retry) {
          if (st.retryIt === 1) message = `, will do ${timing.retry} ${plural}`;
          else if (st.retryIt > 1) message = ` on retry ${st.retryIt - 1}/${timing.retry}`;
          else message = ` after ${timing.retry} ${plural}`;
        } else message = ' with retry disabled';
      }
      const head = `Misc check for [${ctx.label} VS ${ctx.vsLabel}] by [${this.script}] ${exitType}${message}`;
      ctx.log(reason ? `${head} (${reason} ${reasonCode}).` : `${head}.`);
      if (!messageOnly) {
        ctx.update(success);
        if (!success) st.curWeight = 0;
      }
    }
    st.hasRun = true;
    return st.retryIt ? timing.delayBeforeRetryMs : timing.delayLoopMs;
  }
}

/**
 * FILE_CHECK (process_update_checker_track_file_status): a fault takes the
 * checker down, leaving the fault brings it up with the file's weight, any
 * other change adjusts the RS weight.
 */
export class FilePolicy implements EpilogPolicy {
  /** Status of the last value seen (starts at 0 = file value 0). */
  lastStatus: number;

  constructor(private readonly checker: FileChecker) {
    this.lastStatus = fileStatus(0, checker.weight, checker.reverse);
  }

  after(r: CheckResult, ctx: EpilogContext): number {
    if (r.value === undefined) {
      if (r.reason) ctx.log(r.reason);
      return ctx.timing.delayLoopMs;
    }
    const status = fileStatus(r.value, this.checker.weight, this.checker.reverse);
    const previous = this.lastStatus;
    this.lastStatus = status;
    const { st } = ctx;
    if (status === previous) return ctx.timing.delayLoopMs;
    if (status === IPVS_WEIGHT_FAULT) {
      ctx.update(false);
      const w = ctx.rsWeights();
      ctx.setRsWeightQuiet(w.effective - st.curWeight);
      st.curWeight = 0;
    } else if (previous === IPVS_WEIGHT_FAULT) {
      st.curWeight = status;
      ctx.setRsWeightQuiet(ctx.rsWeights().effective + status);
      ctx.update(true);
    } else {
      ctx.setRsWeight(ctx.rsWeights().effective + status - previous);
      st.curWeight = status;
    }
    return ctx.timing.delayLoopMs;
  }
}
