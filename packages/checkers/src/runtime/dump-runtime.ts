/**
 * The live state of the checker process in the shape core's checker dump
 * wants (CheckerDumpRuntime), addressed by configuration position.
 */
import type { CheckerDumpRuntime, CheckerStateRuntime, RealServerRuntime, VirtualServerRuntime } from '@keepalived-ts/core';
import { HttpPolicy } from '../epilog.js';
import type { HealthCheckService } from '../service.js';
import type { CheckerNode } from '../rs-state.js';
import type { MappedSettings } from './settings-from-config.js';

export function checkerDumpRuntime(service: HealthCheckService, mapped: MappedSettings, running: boolean): CheckerDumpRuntime {
  const vsAt = (configVs: number) => {
    const i = mapped.configIndex.indexOf(configVs);
    return i < 0 ? undefined : { i, node: service.machine.vss[i]! };
  };
  return {
    virtualServer(vsIndex): VirtualServerRuntime | undefined {
      const vs = vsAt(vsIndex);
      if (!vs) return undefined;
      return { alive: running, quorumUp: vs.node.quorumUp, reloaded: vs.node.reloaded ?? false };
    },
    realServer(vsIndex, rsIndex): RealServerRuntime | undefined {
      const rs = vsAt(vsIndex)?.node.rs[rsIndex];
      if (!rs) return undefined;
      return {
        effectiveWeight: rs.effectiveWeight,
        previousEffectiveWeight: rs.previousEffectiveWeight ?? 0,
        alive: rs.alive,
        numFailedCheckers: rs.numFailed,
        set: rs.set,
        reloaded: rs.reloaded ?? false,
      };
    },
    checker(vsIndex, rsIndex, checkerIndex): CheckerStateRuntime | undefined {
      const vs = vsAt(vsIndex);
      const rs = vs?.node.rs[rsIndex];
      if (!vs || !rs) return undefined;
      const origin = mapped.checkerOrigin[vs.i]?.[rsIndex] ?? [];
      const at = origin.indexOf(checkerIndex);
      const node: CheckerNode | undefined = at < 0 ? undefined : rs.checkers[at];
      if (!node) return undefined;
      const out: CheckerStateRuntime = {
        enabled: true,
        up: node.isUp,
        hasRun: node.hasRun,
        currentWeight: node.curWeight,
        retriesIterations: node.retryIt,
      };
      const policy = service.policyOf(node.id);
      const settings = rs.cfg.checkers[at]?.settings;
      if (policy instanceof HttpPolicy && policy.failedUrl !== null && settings && 'url' in settings) {
        const url = settings.url[policy.failedUrl];
        if (url) out.failedUrl = url.path;
      }
      return out;
    },
  };
}
