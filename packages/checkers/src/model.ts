/**
 * Input settings for the health checkers, named after keepalived's keywords
 * (camelCase). The config model in @keepalived-ts/core is mapped onto these
 * by the integrator; every time value here is in SECONDS (keepalived's
 * read_timer accepts fractions), every optional field means "not configured"
 * so that keepalived's inheritance VS -> RS -> checker can be applied in
 * resolve.ts.
 */

/** Service protocol as printed by keepalived's FMT_VS/FMT_RS ("none" for fwmark services). */
export type ServiceProtocol = 'tcp' | 'udp' | 'sctp' | 'none';

export type LbKind = 'NAT' | 'DR' | 'TUN';

export interface CheckerGlobals {
  /** global_defs lvs_notify_fifo (path of an existing FIFO or file). */
  lvsNotifyFifo?: string;
  /** global_defs notify_fifo (receives the same VS/RS lines). */
  notifyFifo?: string;
  /** global_defs checker_log_all_failures. */
  checkerLogAllFailures?: boolean;
  /** global_defs rs_init_notifies. */
  rsInitNotifies?: boolean;
}

export interface ConnectionSettings {
  connectIp?: string;
  connectPort?: number;
  bindto?: string;
  bindPort?: number;
  bindIf?: string;
  /** SO_MARK on the checker socket (needs the native shim; ignored by node:net sockets). */
  fwmark?: number;
  connectTimeout?: number;
}

export interface CommonCheckerSettings extends ConnectionSettings {
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  delayLoop?: number;
  alpha?: boolean;
  logAllFailures?: boolean;
}

export interface TcpCheckSettings extends CommonCheckerSettings {
  type: 'TCP_CHECK';
}

export interface HttpUrlSettings {
  path: string;
  /** 32 hex digits: MD5 of the body. */
  digest?: string;
  /** status_code entries, e.g. [200], or ranges as [200, 299] pairs: "200-299" strings are accepted too. */
  statusCode?: Array<number | string>;
  virtualhost?: string;
  /** JavaScript RegExp source (keepalived uses PCRE2; the common subset behaves the same). */
  regex?: string;
  regexNoMatch?: boolean;
  regexMinOffset?: number;
  regexMaxOffset?: number;
}

export interface HttpCheckSettings extends CommonCheckerSettings {
  type: 'HTTP_GET' | 'SSL_GET';
  url: HttpUrlSettings[];
  virtualhost?: string;
  /** "1.0" (default), "1.0C" (1.0 + Connection: close), "1.1" (1.1 + Connection: close). */
  httpProtocol?: '1.0' | '1.0C' | '1.0c' | '1.1';
  enableSni?: boolean;
  fastRecovery?: boolean;
}

export interface SmtpCheckSettings extends CommonCheckerSettings {
  type: 'SMTP_CHECK';
  heloName?: string;
}

export type DnsQueryType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';

export interface DnsCheckSettings extends CommonCheckerSettings {
  type: 'DNS_CHECK';
  /** Query type (default SOA). */
  queryType?: DnsQueryType;
  /** Query name (default "" = root). */
  name?: string;
}

export interface UdpCheckSettings extends CommonCheckerSettings {
  type: 'UDP_CHECK';
  /** Hex string (keepalived read_hex_str syntax without masks). */
  payload?: string;
  /** true, or the expected reply bytes as a hex string. */
  requireReply?: boolean | string;
  minReplyLength?: number;
  maxReplyLength?: number;
}

export interface PingCheckSettings extends CommonCheckerSettings {
  type: 'PING_CHECK';
}

export interface MiscCheckSettings extends CommonCheckerSettings {
  type: 'MISC_CHECK';
  /** The command line: argv words (already unquoted) or one string split on blanks. */
  miscPath: string[] | string;
  /** Seconds; default is the virtual server's delay_loop. */
  miscTimeout?: number;
  miscDynamic?: boolean;
  /** "user [group]" to run as (numeric ids or names). */
  user?: string;
}

export interface FileCheckSettings {
  type: 'FILE_CHECK';
  /** Path of the tracked file (global track_file's "file"). */
  file: string;
  /** Weight multiplier; 0 means any non-zero value is a fault. Default: the track_file's weight (1). */
  weight?: number;
  reverse?: boolean;
  logAllFailures?: boolean;
}

export type CheckerSettings =
  | TcpCheckSettings
  | HttpCheckSettings
  | SmtpCheckSettings
  | DnsCheckSettings
  | UdpCheckSettings
  | PingCheckSettings
  | MiscCheckSettings
  | FileCheckSettings;

export type CheckerType = CheckerSettings['type'];

export interface RealServerSettings {
  ip: string;
  /** smtp_alert, resolved (keepalived's default for a real server: on). */
  smtpAlert?: boolean;
  /** Port as configured; resolve.ts applies keepalived's port rules (fwmark -> 0, missing -> VS port). */
  port?: number;
  weight?: number;
  inhibitOnFailure?: boolean;
  alpha?: boolean;
  notifyUp?: string;
  notifyDown?: string;
  lbKind?: LbKind;
  delayLoop?: number;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  connectTimeout?: number;
  virtualhost?: string;
  checkers: CheckerSettings[];
}

export interface SorryServerSettings {
  ip: string;
  port?: number;
  inhibit?: boolean;
  lbKind?: LbKind;
}

/** One member line of a virtual_server_group. */
export type VsGroupEntrySettings =
  | {
    /** First address of the range. */
    address: string;
    /** Last value of the final IPv4 octet / IPv6 16-bit group (absent = a single address). */
    rangeEnd?: number;
    /** 0 = no port (only valid for persistent services). */
    port: number;
  }
  | { fwmark: number; family?: 4 | 6 };

export interface VsGroupSettings {
  name: string;
  entries: VsGroupEntrySettings[];
}

export interface VirtualServerSettings {
  /** smtp_alert, resolved (default off). */
  smtpAlert?: boolean;
  /** ha_suspend: check only while this host holds the virtual server's address. */
  haSuspend?: boolean;
  /**
   * `virtual_server group NAME`: the real servers apply to every member, one
   * kernel service per member with the same destinations; ip/port/fwmark are
   * then unset and the label is keepalived's "[NAME]:0".
   */
  group?: VsGroupSettings;
  /** Address of an address/port service; absent for fwmark services. */
  ip?: string;
  port?: number;
  fwmark?: number;
  protocol?: ServiceProtocol;
  lbAlgo?: string;
  lbKind?: LbKind;
  persistenceTimeout?: number;
  persistenceGranularity?: string;
  delayLoop?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  alpha?: boolean;
  omega?: boolean;
  inhibitOnFailure?: boolean;
  quorum?: number;
  hysteresis?: number;
  quorumUp?: string;
  quorumDown?: string;
  sorryServer?: SorryServerSettings;
  /** Default weight of the real servers (keepalived's VS "weight"). */
  weight?: number;
  virtualhost?: string;
  realServers: RealServerSettings[];
}

export interface HealthCheckSettings {
  globals: CheckerGlobals;
  virtualServers: VirtualServerSettings[];
}
