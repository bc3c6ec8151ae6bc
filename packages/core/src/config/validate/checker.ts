import type { SourceLocation } from '../tree.js';
/** Completion of the checker (LVS) configuration: check_data.c check_validate_config, in its order. */
import type { KeepalivedConfig, RealServer, VirtualServer } from '../model/index.js';
import type { ServerDraft } from '../keywords/virtual-server.js';
import type { KeywordEnv } from '../keywords/types.js';

/** keepalived's default delay_loop (KEEPALIVED_DEFAULT_DELAY) in microseconds. */
export const DEFAULT_DELAY_LOOP_US = 60_000_000;
const IPVS_SVC_PERSISTENT_TIMEOUT = 360;

/** keepalived's FMT_VS: "[addr]:proto:port", "FWM n" or "[group]:port". */
export function formatVirtualServer(vs: ServerDraft): string {
  if (vs.kind === 'group') return `[${vs.group}]:0`;
  if (vs.kind === 'fwmark') return `FWM ${vs.fwmark}`;
  const proto = typeof vs.protocol === 'string' ? vs.protocol.toLowerCase() : 'none';
  return `[${vs.address}]:${proto}:${vs.port ?? 0}`;
}

function formatRealServer(rs: ServerDraft, vs: ServerDraft): string {
  const proto = typeof vs.protocol === 'string' ? vs.protocol.toLowerCase() : 'none';
  return `[${rs.address}]:${proto}:${rs.port ?? 0}`;
}

export function completeVirtualServers(drafts: ServerDraft[], _config: KeepalivedConfig, env: KeywordEnv): VirtualServer[] {
  const out: VirtualServer[] = [];
  // keepalived prints these without a location; the virtual server's block is kept as their origin
  let origin: SourceLocation | undefined;
  const err = (m: string): void => env.errorNoLoc(m, 'general', origin);
  for (const vs of drafts) {
    origin = vs.loc as SourceLocation | undefined;
    const fmt = (): string => formatVirtualServer(vs);
    if (!vs.realServers.length) {
      err(`Virtual server ${fmt()} has no real servers - ignoring`);
      continue;
    }
    if (vs.haSuspend && vs.kind === 'fwmark') {
      err(`Virtual server ${fmt()}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
      vs.haSuspend = false;
    }
    if (vs.kind === 'address') {
      if (!vs.protocol) {
        err(`Virtual server ${fmt()}: no protocol set - defaulting to UDP`);
        vs.protocol = 'UDP';
      }
      if (vs.lbFlags.includes('ops') && vs.protocol !== 'UDP') {
        err(`Virtual server ${fmt()}: one packet scheduling requires UDP - resetting`);
        vs.lbFlags = vs.lbFlags.filter((f: string) => f !== 'ops');
      }
      if (!vs.persistenceTimeoutSec && !vs.port) {
        err(`Virtual server ${fmt()}: zero port only valid for persistent services - setting`);
        vs.persistenceTimeoutSec = IPVS_SVC_PERSISTENT_TIMEOUT;
      }
    }
    if (vs.protocol && vs.kind === 'fwmark') {
      err(`Warning: Virtual server ${fmt()}: protocol specified for fwmark - protocol will be ignored`);
      delete vs.protocol;
    }
    if (!vs.lbAlgo) {
      err(`Virtual server ${fmt()}: no scheduler set, setting default 'wlc'`);
      vs.lbAlgo = 'wlc';
    }
    const realServers: RealServer[] = [];
    let weightSum = 0;
    for (const rs of vs.realServers as ServerDraft[]) {
      if (realServers.some((o) => o.address === rs.address && o.port === rs.port)) {
        err(`VS ${fmt()}: real server ${formatRealServer(rs, vs)} is duplicated - removing second rs`);
        continue;
      }
      if (!rs.lvsMethod) {
        if (!vs.lbKind) {
          err(`Virtual server ${fmt()}: no forwarding method set, setting default NAT`);
          vs.lbKind = 'NAT';
        }
        rs.lvsMethod = vs.lbKind;
      }
      weightSum += rs.weight ?? 1;
      realServers.push(rs as RealServer);
    }
    if (vs.quorum > weightSum) {
      err(`Warning - quorum ${vs.quorum} for ${fmt()} exceeds total weight of real servers ${weightSum}, reducing quorum to ${weightSum}`);
      vs.quorum = weightSum;
    }
    if (vs.hysteresis >= vs.quorum) {
      err(`Virtual server ${fmt()}: hysteresis ${vs.hysteresis} >= quorum ${vs.quorum}; setting hysteresis to ${vs.quorum - 1}`);
      vs.hysteresis = Math.max(0, vs.quorum - 1);
    }
    vs.lbKind ??= 'NAT';
    vs.delayLoopUs ??= DEFAULT_DELAY_LOOP_US;
    out.push({ ...vs, realServers } as VirtualServer);
  }
  return out;
}
