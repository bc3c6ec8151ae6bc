/**
 * The HTTP/HTTPS GET that keepalived's HTTP_GET/SSL_GET and genhash perform:
 * a hand-written request, the response read until EOF, the MD5 taken over
 * the raw body bytes (no chunked decoding, capped at Content-Length), exactly
 * as check_http.c does, so digests match real keepalived and genhash.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { ConnectError, conversation, tcpConnect, tlsHandshake } from './net-util.js';
import type { Endpoint } from './resolve.js';

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

export interface TlsClientFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
}

export interface HttpFetchOptions {
  dst: Endpoint;
  bindIp?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
  /** Where a bind_if / fwmark failure is logged. */
  log?: (message: string) => void;
  timeoutMs: number;
  path: string;
  virtualhost?: string;
  protocol: HttpProtocol;
  ssl?: boolean;
  sni?: boolean;
  tlsFiles?: TlsClientFiles;
  /** Called with every received chunk (genhash -v). */
  onChunk?: (chunk: Buffer) => void;
  /** false: skip the MD5 (md5 is then ''); a check without a digest does not need it. Default true. */
  digest?: boolean;
}

export interface HttpFetchResponse {
  ok: true;
  /** Header block including the final CRLFCRLF, or null if none was seen. */
  header: Buffer | null;
  statusCode: number;
  /** Content-Length, or undefined when absent/unparsable. */
  contentLength?: number;
  /** Body bytes received (all of them, even past Content-Length). */
  rxBytes: number;
  /** Body as digested (capped at Content-Length). */
  body: Buffer;
  md5: string;
}

export interface HttpFetchFailure {
  ok: false;
  /** keepalived's debug_msg for timeout_epilog, e.g. "Timeout connecting". */
  stage: string;
}

export type HttpFetchResult = HttpFetchResponse | HttpFetchFailure;

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** keepalived's MAX_BUFFER_LENGTH: bound on what we keep for parsing. */
const MAX_KEEP = 4096 * 16;

export function buildRequest(o: Pick<HttpFetchOptions, 'path' | 'virtualhost' | 'protocol' | 'dst'>): string {
  let host: string;
  if (o.virtualhost) host = o.virtualhost;
  else if (o.dst.family === 6) host = `[${o.dst.ip}]:${o.dst.port}`;
  else host = `${o.dst.ip}:${o.dst.port}`;
  const minor = o.protocol === '1.1' ? 1 : 0;
  const close = o.protocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${o.path} HTTP/1.${minor}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

/** keepalived's extract_status_code: "HTTP/x.y NNN ..." -> NNN, else 0. */
export function extractStatusCode(buf: Buffer): number {
  let i = 0;
  while (i < buf.length && buf[i] !== 0x20 && buf[i] !== 0x0d) i++;
  if (buf[i] !== 0x20) return 0;
  i++;
  if (i + 3 >= buf.length || buf[i] === 0x20 || buf[i + 3] !== 0x20) return 0;
  const digits = buf.subarray(i, i + 3).toString('latin1');
  return /^\d{3}$/.test(digits) ? Number(digits) : 0;
}

/** keepalived's extract_content_length: case-sensitive "Content-Length:" then strtoul. */
export function extractContentLength(header: Buffer): number | undefined {
  const s = header.toString('latin1');
  const at = s.indexOf('Content-Length:');
  if (at < 0) return undefined;
  const m = /^[ \t\n\v\f\r]*([+-]?\d*)(.?)/.exec(s.slice(at + 'Content-Length:'.length));
  if (!m) return undefined;
  const next = m[2];
  if (next && next !== '\r' && next !== '\n') return undefined;
  const n = m[1] === '' || m[1] === '+' || m[1] === '-' ? 0 : Number(m[1]);
  return n < 0 ? undefined : n;
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

export async function httpFetch(o: HttpFetchOptions): Promise<HttpFetchResult> {
  let sock: Socket;
  try {
    sock = await tcpConnect({
      dst: o.dst,
      bindIp: o.bindIp,
      bindPort: o.bindPort,
      bindIf: o.bindIf,
      fwmark: o.fwmark,
      log: o.log,
      timeoutMs: o.timeoutMs,
    });
  } catch (e) {
    const kind = e instanceof ConnectError ? e.kind : 'error';
    if (kind === 'timeout') return { ok: false, stage: 'Timeout connecting' };
    if (kind === 'unreachable') return { ok: false, stage: 'HTTP_CHECK - network unreachable' };
    // keepalived's non-blocking connect() fails synchronously only on loopback ("connect_fail");
    // elsewhere the refusal arrives later via SO_ERROR ("connect_error").
    if (kind === 'refused' && isLoopback(o.dst.ip)) return { ok: false, stage: 'Connection failed' };
    return { ok: false, stage: 'Error connecting' };
  }
  if (o.ssl) {
    try {
      sock = await tlsHandshake(
        sock,
        {
          servername: o.sni && o.virtualhost ? o.virtualhost : undefined,
          ca: o.tlsFiles?.ca,
          cert: o.tlsFiles?.cert,
          key: o.tlsFiles?.key,
          passphrase: o.tlsFiles?.passphrase,
        },
        o.timeoutMs,
      );
    } catch (e) {
      if (e instanceof ConnectError && e.kind === 'timeout') return { ok: false, stage: 'Timeout connecting' };
      return { ok: false, stage: 'SSL handshake/communication error connecting to' };
    }
  }
  const conv = conversation(sock);
  try {
    try {
      await conv.write(buildRequest(o));
    } catch {
      return { ok: false, stage: 'Cannot send get request to' };
    }
    let pending = Buffer.alloc(0);
    let header: Buffer | null = null;
    let contentLength: number | undefined;
    const bodyParts: Buffer[] = [];
    let kept = 0;
    let rxBytes = 0;
    const md5 = o.digest === false ? undefined : createHash('md5');
    let first = true;
    for (;;) {
      let chunk: Buffer | null;
      try {
        chunk = await conv.read();
      } catch (e) {
        if (e instanceof ConnectError && e.kind === 'timeout') {
          return { ok: false, stage: first ? 'Timeout WEB read' : 'Timeout HTTP read' };
        }
        return { ok: false, stage: 'Read error with' };
      }
      first = false;
      if (chunk === null) break;
      o.onChunk?.(chunk);
      let bodyChunk: Buffer;
      if (header === null) {
        pending = Buffer.concat([pending, chunk]);
        const at = pending.indexOf(CRLFCRLF);
        if (at < 0) {
          // keepalived wraps a full buffer without a header end; we just bound memory.
          if (pending.length > MAX_KEEP) pending = pending.subarray(pending.length - MAX_KEEP);
          continue;
        }
        header = pending.subarray(0, at + 4);
        contentLength = extractContentLength(header);
        bodyChunk = pending.subarray(at + 4);
        pending = Buffer.alloc(0);
      } else {
        bodyChunk = chunk;
      }
      if (bodyChunk.length) {
        const room = contentLength === undefined ? bodyChunk.length : Math.max(0, contentLength - rxBytes);
        const digestPart = bodyChunk.subarray(0, Math.min(room, bodyChunk.length));
        if (digestPart.length) {
          md5?.update(digestPart);
          if (kept < MAX_KEEP) {
            bodyParts.push(digestPart);
            kept += digestPart.length;
          }
        }
        rxBytes += bodyChunk.length;
      }
    }
    const statusSource = header ?? pending;
    return {
      ok: true,
      header,
      statusCode: header ? extractStatusCode(statusSource) : 0,
      contentLength,
      rxBytes,
      body: Buffer.concat(bodyParts),
      md5: md5 ? md5.digest('hex') : '',
    };
  } finally {
    conv.close();
  }
}
