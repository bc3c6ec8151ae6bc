import { readFileSync } from 'node:fs';
import type { HttpCheckSettings, HttpUrlSettings } from './model.js';
import type { ResolvedChecker } from './resolve.js';
import type { CheckResult, CheckerLogger, HealthChecker } from './types.js';
import { httpFetch, type HttpProtocol, type TlsClientFiles } from './http-fetch.js';

/** keepalived's global SSL block (ca / certificate / key / password). */
export interface SslSettings {
  ca?: string;
  certificate?: string;
  key?: string;
  password?: string;
}

export interface UrlCheck {
  path: string;
  digest?: string;
  /** Accepted status codes as inclusive ranges. */
  statusRanges: Array<[number, number]>;
  virtualhost?: string;
  regex?: RegExp;
  regexNoMatch: boolean;
  regexMinOffset: number;
  regexMaxOffset?: number;
  /** Last Content-Length mismatch reported (keepalived logs each new difference once). */
  lenMismatch: number;
}

export function parseStatusCodes(list: Array<number | string> | undefined): Array<[number, number]> {
  if (!list || list.length === 0) return [[200, 299]];
  const out: Array<[number, number]> = [];
  for (const item of list) {
    for (const word of String(item).split(/[\s,]+/).filter(Boolean)) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(word);
      if (!m) throw new Error(`Invalid HTTP_GET status code '${word}'`);
      const lo = Number(m[1]);
      const hi = m[2] !== undefined ? Number(m[2]) : lo;
      if (lo < 100 || hi > 599 || lo > hi) throw new Error(`Invalid HTTP_GET status code '${word}'`);
      out.push([lo, hi]);
    }
  }
  return out;
}

export function toUrlCheck(u: HttpUrlSettings): UrlCheck {
  if (u.digest !== undefined && !/^[0-9a-fA-F]{32}$/.test(u.digest)) {
    throw new Error(`digest '${u.digest}' is not a valid MD5 (32 hex digits)`);
  }
  return {
    path: u.path,
    digest: u.digest?.toLowerCase(),
    statusRanges: parseStatusCodes(u.statusCode),
    virtualhost: u.virtualhost,
    regex: u.regex !== undefined ? new RegExp(u.regex) : undefined,
    regexNoMatch: u.regexNoMatch ?? false,
    regexMinOffset: u.regexMinOffset ?? 0,
    regexMaxOffset: u.regexMaxOffset,
    lenMismatch: 0,
  };
}

export function normaliseProtocol(p: HttpCheckSettings['httpProtocol']): HttpProtocol {
  if (p === '1.1') return '1.1';
  if (p === '1.0C' || p === '1.0c') return '1.0C';
  return '1.0';
}

export function loadTlsFiles(ssl: SslSettings | undefined): TlsClientFiles | undefined {
  if (!ssl) return undefined;
  return {
    ca: ssl.ca ? readFileSync(ssl.ca) : undefined,
    cert: ssl.certificate ? readFileSync(ssl.certificate) : undefined,
    key: ssl.key ? readFileSync(ssl.key) : undefined,
    passphrase: ssl.password,
  };
}

/**
 * HTTP_GET / SSL_GET. One check() fetches ONE url - the one at urlIndex.
 * Walking the url list, retries and the "failed url" bookkeeping are
 * keepalived's epilog logic and live in HttpPolicy (epilog.ts).
 */
export class HttpChecker implements HealthChecker {
  readonly type: 'HTTP_GET' | 'SSL_GET';
  readonly hardTimeoutMs: number;
  readonly urls: UrlCheck[];
  urlIndex = 0;
  private readonly protocol: HttpProtocol;
  private readonly tlsFiles: TlsClientFiles | undefined;

  constructor(
    private readonly cfg: ResolvedChecker,
    private readonly rsLabel: string,
    private readonly vsLabel: string,
    private readonly logger?: CheckerLogger,
    ssl?: SslSettings,
  ) {
    const s = cfg.settings as HttpCheckSettings;
    this.type = s.type;
    if (!s.url.length) throw new Error(`${s.type} has no url`);
    this.urls = s.url.map(toUrlCheck);
    this.protocol = normaliseProtocol(s.httpProtocol);
    this.tlsFiles = s.type === 'SSL_GET' ? loadTlsFiles(ssl) : undefined;
    // connect + tls + request + every read may each take connect_timeout; bound the whole fetch.
    this.hardTimeoutMs = cfg.timing.connectTimeoutMs * 4 + 1000;
  }

  get currentUrl(): UrlCheck {
    return this.urls[this.urlIndex]!;
  }

  async check(): Promise<CheckResult> {
    const s = this.cfg.settings as HttpCheckSettings;
    const url = this.currentUrl;
    const vhost = url.virtualhost ?? s.virtualhost ?? this.cfg.virtualhost;
    const res = await httpFetch({
      dst: this.cfg.dst,
      bindIp: this.cfg.bindIp,
      bindPort: this.cfg.bindPort,
      bindIf: this.cfg.bindIf,
      fwmark: this.cfg.fwmark,
      log: this.logger ? (m) => this.logger!.info(m) : undefined,
      timeoutMs: this.cfg.timing.connectTimeoutMs,
      path: url.path,
      virtualhost: vhost,
      protocol: this.protocol,
      ssl: s.type === 'SSL_GET',
      sni: s.enableSni ?? false,
      tlsFiles: this.tlsFiles,
      digest: url.digest !== undefined,
    });
    const fail = (stage: string): CheckResult => ({ ok: false, reason: `${stage} server ${this.rsLabel}.` });
    if (!res.ok) return fail(res.stage);
    if (!res.header) return fail('Read, no data received from ');
    if (!url.statusRanges.some(([lo, hi]) => res.statusCode >= lo && res.statusCode <= hi)) {
      return fail('HTTP status code error to');
    }
    if (res.contentLength !== undefined && res.contentLength !== res.rxBytes) {
      const diff = res.contentLength - res.rxBytes;
      if (url.lenMismatch !== diff) {
        this.logger?.info(
          `http_check for RS ${this.rsLabel} VS ${this.vsLabel} url ${vhost ?? ''}${url.path}: content_length (${res.contentLength}) does not match received bytes (${res.rxBytes})`,
        );
        url.lenMismatch = diff;
      }
    } else url.lenMismatch = 0;
    let kind = 'HTTP status code';
    if (url.digest) {
      if (res.md5 !== url.digest) return fail('MD5 digest error to');
      kind = 'MD5 digest';
    }
    if (url.regex) {
      const end = url.regexMaxOffset !== undefined ? url.regexMaxOffset : res.body.length;
      const subject = res.body.subarray(url.regexMinOffset, end).toString('latin1');
      if (url.regex.test(subject) === url.regexNoMatch) return fail('Regex match failed');
      kind = 'Regex match';
    }
    return { ok: true, reason: kind };
  }
}
