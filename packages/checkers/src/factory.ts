import type { ResolvedChecker } from './resolve.js';
import type { CheckerLogger, HealthChecker } from './types.js';
import type { EpilogPolicy } from './epilog.js';
import { HttpPolicy, MiscPolicy, FilePolicy, dnsPolicy, pingPolicy, smtpPolicy, tcpPolicy, udpPolicy } from './epilog.js';
import { TcpChecker } from './tcp.js';
import { HttpChecker, type SslSettings } from './http.js';
import { SmtpChecker } from './smtp.js';
import { DnsChecker } from './dns.js';
import { UdpChecker } from './udp.js';
import { MiscChecker } from './misc.js';
import { FileChecker } from './file.js';
import { PingChecker } from './ping.js';

export interface BuiltChecker {
  checker: HealthChecker;
  policy: EpilogPolicy;
}

export interface FactoryContext {
  rsLabel: string;
  vsLabel: string;
  logger?: CheckerLogger;
  ssl?: SslSettings;
}

/** One checker object and its epilog policy per configured checker block. */
export function buildChecker(cfg: ResolvedChecker, ctx: FactoryContext): BuiltChecker {
  const s = cfg.settings;
  switch (s.type) {
    case 'TCP_CHECK':
      return { checker: new TcpChecker(cfg, ctx.rsLabel, ctx.logger), policy: tcpPolicy };
    case 'HTTP_GET':
    case 'SSL_GET': {
      const checker = new HttpChecker(cfg, ctx.rsLabel, ctx.vsLabel, ctx.logger, ctx.ssl);
      return { checker, policy: new HttpPolicy(checker, s.fastRecovery ?? false) };
    }
    case 'SMTP_CHECK':
      return { checker: new SmtpChecker(cfg, ctx.logger), policy: smtpPolicy };
    case 'DNS_CHECK':
      return { checker: new DnsChecker(cfg, ctx.logger), policy: dnsPolicy };
    case 'UDP_CHECK':
      return { checker: new UdpChecker(cfg, ctx.rsLabel, ctx.logger), policy: udpPolicy };
    case 'PING_CHECK':
      return { checker: new PingChecker(cfg, ctx.rsLabel, ctx.vsLabel), policy: pingPolicy };
    case 'MISC_CHECK': {
      const checker = new MiscChecker(cfg);
      return { checker, policy: new MiscPolicy(checker.scriptName, checker.dynamic) };
    }
    case 'FILE_CHECK': {
      const checker = new FileChecker(s);
      return { checker, policy: new FilePolicy(checker) };
    }
  }
}
