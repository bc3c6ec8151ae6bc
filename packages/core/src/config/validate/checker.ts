/** Completion of the checker (LVS) configuration: defaults and the family checks of check_parser.c. */
import type { KeepalivedConfig, RealServer, VirtualServer } from '../model/index.js';
import type { ServerDraft } from '../keywords/virtual-server.js';
import type { KeywordEnv } from '../keywords/types.js';
import { parseSockAddr } from '../keywords/values.js';

/** keepalived's default delay_loop (KEEPALIVED_DEFAULT_DELAY) in microseconds. */
export const DEFAULT_DELAY_LOOP_US = 60_000_000;

export function completeVirtualServers(drafts: ServerDraft[], config: KeepalivedConfig, env: KeywordEnv): VirtualServer[] {
  const out: VirtualServer[] = [];
  for (const d of drafts) {
    if (d.kind === 'group' && !config.virtualServerGroups.some((g) => g.name === d.group)) {
      env.errorNoLoc(`Virtual server group ${d.group} specified but not configured - ignoring virtual server ${d.group}`);
      continue;
    }
    if (d.kind === 'fwmark' && d.protocolSet)
      env.errorNoLoc(`Warning: Virtual server FWM ${d.fwmark}: protocol specified for fwmark - protocol will be ignored`);
    delete d.protocolSet;
    const family = d.ipFamily as 'inet' | 'inet6' | undefined;
    if (d.sorryServer && family && parseSockAddr(d.sorryServer.address) !== family) {
      env.errorNoLoc(`Address family of virtual server and sorry server ${d.sorryServer.address} don't match - skipping sorry server.`);
      delete d.sorryServer;
    }
    const realServers: RealServer[] = [];
    for (const rs of d.realServers as ServerDraft[]) {
      if (family && parseSockAddr(rs.address) !== family) {
        env.errorNoLoc(`Address family of virtual server and real server ${rs.address} don't match - skipping real server.`);
        continue;
      }
      realServers.push(rs as RealServer);
    }
    const vs = { ...d, realServers } as VirtualServer;
    vs.delayLoopUs ??= DEFAULT_DELAY_LOOP_US;
    out.push(vs);
  }
  return out;
}
