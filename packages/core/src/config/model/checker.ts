import { z } from 'zod';
import { ScriptCommand } from './common.js';

/** Connection options shared by the network checkers (check_api.c install_checker_common_keywords). */
const CheckerCommon = {
  connectIp: z.string().optional(),
  connectPort: z.number().int().min(0).max(65535).optional(),
  bindTo: z.string().optional(),
  bindPort: z.number().int().optional(),
  bindIf: z.string().optional(),
  /** microseconds */
  connectTimeoutUs: z.number().int().optional(),
  fwmark: z.number().int().optional(),
  retry: z.number().int().optional(),
  delayBeforeRetryUs: z.number().int().optional(),
  warmupUs: z.number().int().optional(),
  delayLoopUs: z.number().int().optional(),
  alpha: z.boolean().optional(),
  logAllFailures: z.boolean().optional(),
};

export const HttpUrl = z.object({
  path: z.string().optional(),
  digest: z.string().optional(),
  /** status codes or ranges as written ("200", "200-299") */
  statusCode: z.array(z.string()).default([]),
  virtualhost: z.string().optional(),
  regex: z.string().optional(),
  regexNoMatch: z.boolean().default(false),
  regexOptions: z.array(z.string()).default([]),
  regexMinOffset: z.number().int().optional(),
  regexMaxOffset: z.number().int().optional(),
  regexStack: z.number().int().optional(),
});
export type HttpUrl = z.infer<typeof HttpUrl>;

export const Checker = z.discriminatedUnion('type', [
  z.object({ type: z.literal('TCP_CHECK'), ...CheckerCommon }),
  z.object({
    type: z.enum(['HTTP_GET', 'SSL_GET']),
    ...CheckerCommon,
    virtualhost: z.string().optional(),
    httpProtocol: z.string().optional(),
    enableSni: z.boolean().default(false),
    fastRecovery: z.boolean().default(false),
    urls: z.array(HttpUrl).default([]),
  }),
  z.object({ type: z.literal('SMTP_CHECK'), ...CheckerCommon, heloName: z.string().optional(), hosts: z.array(z.object(CheckerCommon)).default([]) }),
  z.object({ type: z.literal('DNS_CHECK'), ...CheckerCommon, queryType: z.string().default('SOA'), name: z.string().default('.') }),
  z.object({
    type: z.literal('MISC_CHECK'), ...CheckerCommon,
    miscPath: ScriptCommand.optional(),
    miscTimeoutUs: z.number().int().optional(),
    miscDynamic: z.boolean().default(false),
    user: z.string().optional(),
    group: z.string().optional(),
  }),
  z.object({
    type: z.literal('UDP_CHECK'), ...CheckerCommon,
    payload: z.string().optional(),
    requireReply: z.string().optional(),
    minReplyLength: z.number().int().optional(),
    maxReplyLength: z.number().int().optional(),
  }),
  z.object({ type: z.literal('PING_CHECK'), ...CheckerCommon }),
  z.object({ type: z.literal('FILE_CHECK'), ...CheckerCommon, trackFile: z.string().optional(), weight: z.number().int().optional(), weightReverse: z.boolean().default(false) }),
  z.object({ type: z.literal('BFD_CHECK'), ...CheckerCommon, name: z.string().optional() }),
]);
export type Checker = z.infer<typeof Checker>;

const ServerCommon = {
  retry: z.number().int().optional(),
  delayBeforeRetryUs: z.number().int().optional(),
  warmupUs: z.number().int().optional(),
  connectTimeoutUs: z.number().int().optional(),
  delayLoopUs: z.number().int().optional(),
  inhibitOnFailure: z.boolean().optional(),
  alpha: z.boolean().optional(),
  smtpAlert: z.boolean().optional(),
  virtualhost: z.string().optional(),
  snmpName: z.string().optional(),
};

export const RealServer = z.object({
  address: z.string(),
  port: z.number().int().min(0).max(65535).optional(),
  weight: z.number().int().default(1),
  lvsMethod: z.enum(['NAT', 'DR', 'TUN']).optional(),
  tunnel: z.array(z.string()).default([]),
  uthreshold: z.number().int().optional(),
  lthreshold: z.number().int().optional(),
  notifyUp: ScriptCommand.optional(),
  notifyDown: ScriptCommand.optional(),
  ...ServerCommon,
  checkers: z.array(Checker).default([]),
});
export type RealServer = z.infer<typeof RealServer>;

export const VirtualServer = z.object({
  /** "ip port", "fwmark N" or "group NAME" */
  kind: z.enum(['address', 'fwmark', 'group']),
  address: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  fwmark: z.number().int().optional(),
  group: z.string().optional(),
  ipFamily: z.enum(['inet', 'inet6']).optional(),
  lbAlgo: z.string().default('wlc'),
  lbFlags: z.array(z.string()).default([]),
  lbKind: z.enum(['NAT', 'DR', 'TUN']).default('NAT'),
  persistenceEngine: z.string().optional(),
  persistenceTimeoutSec: z.number().int().optional(),
  persistenceGranularity: z.string().optional(),
  /** unset for fwmark services; an address service without one defaults to UDP (with keepalived's warning) */
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
  haSuspend: z.boolean().default(false),
  quorum: z.number().int().default(1),
  quorumUp: ScriptCommand.optional(),
  quorumDown: ScriptCommand.optional(),
  hysteresis: z.number().int().default(0),
  omega: z.boolean().default(false),
  weight: z.number().int().optional(),
  sorryServer: z.object({ address: z.string(), port: z.number().int().optional() }).optional(),
  sorryServerInhibit: z.boolean().default(false),
  sorryServerLvsMethod: z.enum(['NAT', 'DR', 'TUN']).optional(),
  ...ServerCommon,
  realServers: z.array(RealServer).default([]),
});
export type VirtualServer = z.infer<typeof VirtualServer>;

export const VirtualServerGroup = z.object({
  name: z.string(),
  /** "ip[-last] port" ranges and "fwmark N" lines as written */
  entries: z.array(z.array(z.string())).default([]),
});
export type VirtualServerGroup = z.infer<typeof VirtualServerGroup>;

export const SslConfig = z.object({
  password: z.string().optional(),
  ca: z.string().optional(),
  certificate: z.string().optional(),
  key: z.string().optional(),
});
