/** The top-level keyword table: which blocks keepalived.conf can contain. */
import type { ConfigStatement } from '../tree.js';
import type { KeepalivedConfig } from '../model/index.js';
import type { KeywordEnv, KeywordSpec, KeywordTable } from './types.js';
import { kw, valueLines } from './types.js';
import { globalDefsKeywords, rootGlobalKeywords } from './global.js';
import { newVrrpInstanceDraft, vrrpInstanceKeywords, type VrrpInstanceDraft } from './vrrp-instance.js';
import {
  closeTrackFile, closeTrackProcess, closeVrrpScript, newTrackFileDraft, newTrackProcessDraft, newVrrpScriptDraft,
  trackFileKeywords, trackProcessKeywords, vrrpScriptKeywords,
} from './vrrp-trackers.js';
import { garpGroupKeywords, newSyncGroup, syncGroupKeywords, type GarpGroupDraft } from './vrrp-groups.js';
import { openVirtualServer, sslKeywords, virtualServerGroupEntries, virtualServerKeywords, type ServerDraft } from './virtual-server.js';
import { bfdInstanceKeywords, newBfdInstance } from './bfd.js';
import { parseAddressLine } from './shared.js';
import { routeBlock, ruleBlock } from './routes.js';
import { parseSockAddr, readTimer, TIMER_HZ } from './values.js';

/** Everything the root walk collects; build.ts completes the drafts into the final model. */
export interface RootState {
  config: KeepalivedConfig;
  vrrpDrafts: VrrpInstanceDraft[];
  vrrpNames: Set<string>;
  virtualServerDrafts: ServerDraft[];
  garpAggregationGroups: number;
}

type R = RootState;

function named(stmt: ConfigStatement, env: KeywordEnv, block: string): string | undefined {
  if (stmt.words.length !== 2) {
    env.error(`${block} must have a name - skipping`);
    return undefined;
  }
  return stmt.words[1];
}

/** Lifts a global keyword so it can be used at the root. */
function lift(spec: KeywordSpec<KeepalivedConfig['global']>): KeywordSpec<R> {
  return kw((s, r, env) => spec.handler!(s, r.config.global, env));
}

export const rootKeywords: KeywordTable<R> = {
  ...Object.fromEntries(Object.entries(rootGlobalKeywords).map(([k, spec]) => [k, lift(spec)])),
  global_defs: { sub: { table: globalDefsKeywords, open: (_s: ConfigStatement, r: R) => r.config.global } },
  track_group: {
    sub: {
      table: { group: kw<{ name: string; group: string[] }>((s, g) => { g.group = valueLines(s).flatMap((l) => l.words); }) },
      open: (s: ConfigStatement, r: R, env: KeywordEnv) => {
        if (s.words.length !== 2) {
          env.error('track_group must have a name - skipping');
          return undefined;
        }
        if (r.config.staticTrackGroups.some((g) => g.name === s.words[1])) {
          env.error(`track_group ${s.words[1]} already defined`);
          return undefined;
        }
        const g = { name: s.words[1]!, group: [] as string[] };
        r.config.staticTrackGroups.push(g);
        return g;
      },
    },
  },
  static_ipaddress: kw((s, r, env) => {
    for (const l of valueLines(s)) {
      env.loc = l.loc;
      const e = parseAddressLine(env, l.words, true);
      if (e) r.config.staticIpaddress.push(e);
    }
  }),
  static_routes: kw((s, r, env) => routeBlock(env, s, r.config.staticRoutes)),
  static_rules: kw((s, r, env) => ruleBlock(env, s, r.config.staticRules, env.rulePriority)),
  vrrp_sync_group: {
    sub: {
      table: syncGroupKeywords,
      open: (s: ConfigStatement, r: R, env: KeywordEnv) => {
        const name = named(s, env, 'vrrp_sync_group');
        if (name === undefined) return undefined;
        if (r.config.vrrpSyncGroups.some((g) => g.name === name)) {
          env.error(`vrrp sync group ${name} already defined`);
          return undefined;
        }
        const g = newSyncGroup(name);
        r.config.vrrpSyncGroups.push(g);
        return g;
      },
    },
  },
  garp_group: {
    sub: {
      table: garpGroupKeywords,
      open: (_s: ConfigStatement, r: R): GarpGroupDraft => ({ interfaces: [], index: r.garpAggregationGroups + 1 }),
      close: (d: GarpGroupDraft, r: R, env: KeywordEnv) => {
        if (d.garpIntervalUs === undefined && d.gnaIntervalUs === undefined) {
          env.error(`garp group ${d.hasInterfaces ? d.index : 0} does not have any delay set - removing`);
          return;
        }
        if (d.hasInterfaces) r.garpAggregationGroups++;
        const { index: _i, hasInterfaces: _h, ...group } = d;
        r.config.garpGroups.push(group);
      },
    },
  },
  linkbeat_interfaces: kw((s, r, env) => {
    for (const l of valueLines(s)) {
      env.loc = l.loc;
      const name = l.words[0]!;
      if (!env.interfaceExists(name) && !r.config.global.dynamicInterfaces) {
        env.error(`unknown interface ${name} specified for linkbeat interface`, 'fatal');
        continue;
      }
      const type = l.words[1];
      if (type !== undefined && (!['MII', 'ETHTOOL', 'IOCTL'].includes(type) || l.words.length > 2))
        env.error(`extra characters ${type} in linkbeat interface`);
      r.config.linkbeatInterfaces.push({ interface: name, type: (type === 'MII' || type === 'ETHTOOL' || type === 'IOCTL') ? type : 'default' });
    }
  }),
  interface_up_down_delays: kw((s, r, env) => {
    for (const l of valueLines(s)) {
      env.loc = l.loc;
      const name = l.words[0]!;
      if (!env.interfaceExists(name) && !r.config.global.dynamicInterfaces) {
        env.error(`unknown interface ${name} specified for up/down delay`, 'fatal');
        continue;
      }
      if (l.words.length < 2) continue;
      const down = readTimer(env, l.words[1]!, 0, 255 * TIMER_HZ);
      const up = l.words.length > 2 ? readTimer(env, l.words[2]!, 0, 255 * TIMER_HZ) : 0;
      if (down === undefined || up === undefined) continue;
      r.config.interfaceUpDownDelays.push({ interface: name, downDelayUs: down, upDelayUs: up });
    }
  }),
  vrrp_instance: {
    sub: {
      table: vrrpInstanceKeywords,
      open: (s: ConfigStatement, r: R, env: KeywordEnv) => {
        if (s.words.length !== 2) {
          env.error('vrrp_instance must have a name');
          return undefined;
        }
        const name = s.words[1]!;
        if (r.vrrpNames.has(name)) {
          env.error(`vrrp instance ${name} already defined`);
          return undefined;
        }
        r.vrrpNames.add(name);
        const d = newVrrpInstanceDraft(name, s.loc, env);
        r.vrrpDrafts.push(d);
        return d;
      },
      close: (d: VrrpInstanceDraft, _r: R, env: KeywordEnv) => {
        if ((d.useVmac || d.useIpvlan) && d.unicastConfigured) {
          if (!d.interface) {
            env.error(`(${d.name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`);
            d.useVmac = d.useIpvlan = false;
            delete d.vmacInterfaceName;
          } else if (!d.vmacXmitBase) {
            env.error(`(${d.name}) unicast with use_vmac requires vmac_xmit_base - setting`);
            d.vmacXmitBase = true;
          }
        }
        if (d.unicastPeers.length === 0 && d.unicastTtl !== undefined) {
          env.error(`(${d.name}): Cannot use unicast_ttl without unicast peers - resetting`);
          delete d.unicastTtl;
        }
      },
    },
  },
  vrrp_script: {
    sub: {
      table: vrrpScriptKeywords,
      open: (s: ConfigStatement, _r: R, env: KeywordEnv) => newVrrpScriptDraft(env.arg(s, 1)),
      close: (d: ReturnType<typeof newVrrpScriptDraft>, r: R, env: KeywordEnv) => {
        const scr = closeVrrpScript(d, env);
        if (scr) r.config.vrrpScripts.push(scr);
      },
    },
  },
  track_file: trackFileRoot(),
  vrrp_track_file: trackFileRoot(),
  vrrp_track_process: {
    sub: {
      table: trackProcessKeywords,
      open: (s: ConfigStatement, _r: R, env: KeywordEnv) => newTrackProcessDraft(env.arg(s, 1)),
      close: (d: ReturnType<typeof newTrackProcessDraft>, r: R, env: KeywordEnv) => {
        const tp = closeTrackProcess(d, env);
        if (tp) r.config.trackProcesses.push(tp);
      },
    },
  },
  SSL: {
    sub: {
      table: sslKeywords,
      open: (_s: ConfigStatement, r: R, env: KeywordEnv) => {
        if (r.config.ssl) env.error('SSL context already specified - replacing');
        r.config.ssl = {};
        return r.config.ssl;
      },
    },
  },
  virtual_server_group: kw((s, r, env) => {
    const name = env.arg(s, 1);
    const entries = virtualServerGroupEntries(s);
    if (!entries.length) env.error(`virtual server group ${name} has no entries - removing`);
    else r.config.virtualServerGroups.push({ name, entries });
  }),
  virtual_server: {
    sub: {
      table: virtualServerKeywords,
      open: (s: ConfigStatement, _r: R, env: KeywordEnv) => openVirtualServer(s, env),
      close: (vs: ServerDraft, r: R, env: KeywordEnv) => {
        if (vs.sorryServer && vs.sorryServerLvsMethod !== 'TUN') {
          const fam = parseSockAddr(vs.sorryServer.address);
          if (!vs.ipFamily) vs.ipFamily = fam;
          else if (vs.ipFamily !== fam) {
            env.error(`Address family of virtual server and sorry server ${vs.sorryServer.address} don't match - skipping sorry server.`);
            delete vs.sorryServer;
          }
        }
        r.virtualServerDrafts.push(vs);
      },
    },
  },
  bfd_instance: {
    sub: {
      table: bfdInstanceKeywords,
      open: (s: ConfigStatement, r: R, env: KeywordEnv) => {
        const name = env.arg(s, 1);
        if (r.config.bfdInstances.some((b) => b.name === name)) {
          env.error(`BFD ${name} already specified`);
          return undefined;
        }
        return newBfdInstance(name);
      },
      close: (b: ReturnType<typeof newBfdInstance>, r: R, env: KeywordEnv) => {
        if (!b.neighborIp) {
          env.error(`Configuration error: BFD instance ${b.name} has no neighbor address set, disabling instance`);
          return;
        }
        r.config.bfdInstances.push(b);
      },
    },
  },
};

function trackFileRoot(): KeywordSpec<R> {
  return {
    sub: {
      table: trackFileKeywords,
      open: (s: ConfigStatement, _r: R, env: KeywordEnv) => newTrackFileDraft(env.arg(s, 1)),
      close: (d: ReturnType<typeof newTrackFileDraft>, r: R, env: KeywordEnv) => {
        const tf = closeTrackFile(d, env);
        if (tf) r.config.trackFiles.push(tf);
      },
    },
  };
}
