/** Every checker class against real servers on 127.0.0.1. */
import t from 'tap';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import dgram from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveVirtualServers, type ResolvedChecker } from '../src/resolve.js';
import type { CheckerSettings } from '../src/model.js';
import { TcpChecker } from '../src/tcp.js';
import { HttpChecker } from '../src/http.js';
import { SmtpChecker } from '../src/smtp.js';
import { DnsChecker } from '../src/dns.js';
import { UdpChecker } from '../src/udp.js';
import { MiscChecker } from '../src/misc.js';
import { FileChecker, IPVS_WEIGHT_FAULT, fileStatus } from '../src/file.js';
import { PingChecker } from '../src/ping.js';
import { encodeDnsHeader, decodeDnsHeader } from '../src/dns-codec.js';
import { md5Hex } from '../src/genhash.js';
import { MemoryLogger } from './helpers.js';

const LABEL = '[127.0.0.1]:tcp:80';

function resolved(c: CheckerSettings, port: number): ResolvedChecker {
  const r = resolveVirtualServers([
    { ip: '127.0.0.1', port, delayLoop: 1, realServers: [{ ip: '127.0.0.1', port, checkers: [c] }] },
  ]);
  return r.virtualServers[0]!.realServers[0]!.checkers[0]!;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  const p = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

t.test('TCP_CHECK', async (t) => {
  const server = net.createServer((s) => s.end());
  const port = await listen(server);
  t.teardown(() => server.close());
  t.same(await new TcpChecker(resolved({ type: 'TCP_CHECK' }, port), LABEL).check(), { ok: true });
  const closed = await freePort();
  t.same(await new TcpChecker(resolved({ type: 'TCP_CHECK' }, closed), LABEL).check(), {
    ok: false,
    reason: `TCP connection to ${LABEL} failed.`,
  });
  // connect_port / bindto / bind_port
  const seen: Array<string | undefined> = [];
  const s2 = net.createServer((s) => {
    seen.push(`${s.remoteAddress}:${s.remotePort}`);
    s.end();
  });
  const p2 = await listen(s2);
  t.teardown(() => s2.close());
  const bindPort = await freePort();
  const r = await new TcpChecker(
    resolved({ type: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: p2, bindto: '127.0.0.1', bindPort }, closed),
    LABEL,
  ).check();
  t.same(r, { ok: true });
  t.same(seen, [`127.0.0.1:${bindPort}`], 'bound to bindto:bind_port');
});

t.test('HTTP_GET', async (t) => {
  const requests: string[] = [];
  const server = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      if (!buf.includes('\r\n\r\n')) return;
      requests.push(buf);
      const path = buf.split(' ')[1];
      const body = path === '/hang' ? null : `body of ${path}\n`;
      if (body === null) return; // never answers
      const status = path === '/err' ? '500 Internal Server Error' : path === '/302' ? '302 Found' : '200 OK';
      const cl = path === '/short' ? body.length + 10 : body.length;
      sock.end(`HTTP/1.0 ${status}\r\nContent-Length: ${cl}\r\n\r\n${body}`);
    });
    sock.on('error', () => {});
  });
  const port = await listen(server);
  t.teardown(() => server.close());
  const logger = new MemoryLogger();
  const check = (url: object, extra: object = {}) =>
    new HttpChecker(
      resolved({ type: 'HTTP_GET', url: [{ path: '/', ...url }], connectTimeout: 0.5, ...extra }, port),
      LABEL,
      '[127.0.0.1]:tcp:80',
      logger,
    ).check();

  t.same(await check({ path: '/ok' }), { ok: true, reason: 'HTTP status code' });
  t.equal(requests.at(-1), `GET /ok HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${port}\r\n\r\n`, 'request bytes');
  t.same(await check({ path: '/err' }), { ok: false, reason: `HTTP status code error to server ${LABEL}.` });
  t.same(await check({ path: '/err', statusCode: ['500-599'] }), { ok: true, reason: 'HTTP status code' }, 'status range');
  t.same(await check({ path: '/302', statusCode: [200, '300-302'] }), { ok: true, reason: 'HTTP status code' });
  t.same(await check({ path: '/ok', digest: md5Hex('body of /ok\n') }), { ok: true, reason: 'MD5 digest' });
  t.same(await check({ path: '/ok', digest: md5Hex('other') }), { ok: false, reason: `MD5 digest error to server ${LABEL}.` });
  t.same(await check({ path: '/ok', regex: 'of /o+k' }), { ok: true, reason: 'Regex match' });
  t.same(await check({ path: '/ok', regex: 'nomatch' }), { ok: false, reason: `Regex match failed server ${LABEL}.` });
  t.same(await check({ path: '/ok', regex: 'nomatch', regexNoMatch: true }), { ok: true, reason: 'Regex match' });
  await check({ path: '/vh', virtualhost: 'www.example' }, { httpProtocol: '1.1' });
  t.equal(
    requests.at(-1),
    'GET /vh HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example\r\n\r\n',
    'virtualhost + http_protocol 1.1',
  );
  t.same(await check({ path: '/hang' }), { ok: false, reason: `Timeout WEB read server ${LABEL}.` }, 'read timeout');
  t.same(await check({ path: '/short' }), { ok: true, reason: 'HTTP status code' });
  t.same(logger.take(), [
    `http_check for RS ${LABEL} VS [127.0.0.1]:tcp:80 url /short: content_length (25) does not match received bytes (15)`,
  ]);
  const closed = await freePort();
  const refused = await new HttpChecker(resolved({ type: 'HTTP_GET', url: [{ path: '/' }] }, closed), LABEL, 'vs').check();
  t.same(refused, { ok: false, reason: `Connection failed server ${LABEL}.` });
});

t.test('SSL_GET with a self-signed certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ckr-ssl-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  let sni: string | undefined;
  const server = https.createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (req, res) => {
      sni = (req.socket as import('node:tls').TLSSocket).servername || undefined;
      res.end('secure\n');
    },
  );
  const port = await listen(server);
  t.teardown(() => server.close());
  const c = new HttpChecker(
    resolved({ type: 'SSL_GET', url: [{ path: '/', digest: md5Hex('secure\n'), virtualhost: 'svc.example' }], enableSni: true }, port),
    LABEL,
    'vs',
    undefined,
    { ca: join(dir, 'cert.pem'), certificate: join(dir, 'cert.pem'), key: join(dir, 'key.pem') },
  );
  t.same(await c.check(), { ok: true, reason: 'MD5 digest' });
  t.equal(sni, 'svc.example', 'SNI from virtualhost');
  const plain = http.createServer((_, res) => res.end('x'));
  const pport = await listen(plain);
  t.teardown(() => plain.close());
  const bad = await new HttpChecker(resolved({ type: 'SSL_GET', url: [{ path: '/' }], connectTimeout: 1 }, pport), LABEL, 'vs').check();
  t.same(bad, { ok: false, reason: `SSL handshake/communication error connecting to server ${LABEL}.` });
});

function smtpServer(banner: string, heloReply: string): net.Server {
  return net.createServer((s) => {
    s.write(`${banner}\r\n`);
    s.on('data', (d) => {
      const line = d.toString();
      if (line.startsWith('HELO')) s.write(`${heloReply}\r\n`);
      else if (line.startsWith('QUIT')) s.end('221 bye\r\n');
    });
    s.on('error', () => {});
  });
}

t.test('SMTP_CHECK', async (t) => {
  const good = smtpServer('220 mail ESMTP', '250 hello');
  const gp = await listen(good);
  const badBanner = smtpServer('554 go away', '250 hello');
  const bp = await listen(badBanner);
  const badHelo = smtpServer('220 mail', '501 who');
  const hp = await listen(badHelo);
  t.teardown(() => [good, badBanner, badHelo].forEach((s) => s.close()));
  t.same(await new SmtpChecker(resolved({ type: 'SMTP_CHECK', heloName: 'me.example' }, gp)).check(), { ok: true });
  t.same(await new SmtpChecker(resolved({ type: 'SMTP_CHECK' }, bp)).check(), {
    ok: false,
    reason: `SMTP_CHECK Bad greeting banner from server [127.0.0.1]:${bp}`,
  });
  t.same(await new SmtpChecker(resolved({ type: 'SMTP_CHECK' }, hp)).check(), {
    ok: false,
    reason: `SMTP_CHECK Bad HELO response from server [127.0.0.1]:${hp}`,
  });
  const closed = await freePort();
  t.same(await new SmtpChecker(resolved({ type: 'SMTP_CHECK' }, closed)).check(), {
    ok: false,
    reason: `SMTP_CHECK Error connecting to server [127.0.0.1]:${closed}`,
  });
});

t.test('DNS_CHECK', async (t) => {
  const queries: Buffer[] = [];
  let rcode = 0;
  const server = dgram.createSocket('udp4');
  server.on('message', (msg, rinfo) => {
    queries.push(msg);
    const h = decodeDnsHeader(msg)!;
    server.send(encodeDnsHeader({ id: h.id + 1, isResponse: true, rcode: 0 }), rinfo.port, rinfo.address); // wrong id: ignored
    server.send(encodeDnsHeader({ id: h.id, isResponse: true, rcode }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = server.address().port;
  const c = new DnsChecker(resolved({ type: 'DNS_CHECK', queryType: 'A', name: 'www.example.com' }, port));
  t.same(await c.check(), { ok: true });
  t.same(queries[0]!.subarray(12), Buffer.from('03777777076578616d706c6503636f6d0000010001', 'hex'), 'question section');
  rcode = 3;
  t.same(await c.check(), { ok: false, reason: 'read error occurred. (rcode = 3)' });
  const closed = await freePort();
  t.same(await new DnsChecker(resolved({ type: 'DNS_CHECK', connectTimeout: 1 }, closed)).check(), {
    ok: false,
    reason: 'failed to read socket; errno 111 (Connection refused)',
  });
});

t.test('UDP_CHECK', async (t) => {
  const echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
  const silent = dgram.createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
  t.teardown(() => {
    echo.close();
    silent.close();
  });
  const ep = echo.address().port;
  const sp = silent.address().port;
  const udp = (extra: object, port: number) =>
    new UdpChecker(resolved({ type: 'UDP_CHECK', connectTimeout: 0.3, ...extra } as CheckerSettings, port), LABEL).check();
  t.same(await udp({ payload: 'cafe' }, ep), { ok: true });
  t.same(await udp({ payload: 'cafe', requireReply: 'cafe' }, ep), { ok: true }, 'reply matches');
  t.same(await udp({ payload: 'cafe', requireReply: 'beef' }, ep), { ok: false, reason: `UDP check to ${LABEL} reply data mismatch.` });
  t.same(await udp({ payload: 'cafe', requireReply: 'ca', maxReplyLength: 1 }, ep), {
    ok: false,
    reason: `UDP check to ${LABEL} reply data mismatch.`,
  }, 'max_reply_length');
  t.same(await udp({ payload: '00' }, sp), { ok: true }, 'silence is success without require_reply');
  t.same(await udp({ payload: '00', requireReply: true }, sp), { ok: false, reason: `UDP connection to ${LABEL} failed.` });
  const closed = await freePort();
  t.same(await udp({ payload: '00' }, closed), { ok: false, reason: `UDP connection to ${LABEL} failed.` }, 'ICMP port unreachable = down');
});

t.test('MISC_CHECK', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ckr-misc-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'check.sh');
  writeFileSync(script, '#!/bin/sh\nexit "$1"\n');
  chmodSync(script, 0o755);
  const hang = join(dir, 'hang.sh');
  writeFileSync(hang, '#!/bin/sh\nsleep 30 &\nwait\n');
  chmodSync(hang, 0o755);
  const misc = (path: string, extra: object = {}) => new MiscChecker(resolved({ type: 'MISC_CHECK', miscPath: path, ...extra } as CheckerSettings, 80));
  t.same(await misc(`${script} 0`).check(), { ok: true, exitCode: 0 });
  t.same(await misc(`${script} 1`).check(), { ok: false, exitCode: 1 });
  t.same(await misc(`${script} 7`).check(), { ok: false, exitCode: 7 }, 'non-dynamic: 7 is a failure');
  t.same(await misc(`${script} 7`, { miscDynamic: true }).check(), { ok: true, exitCode: 7 }, 'dynamic: 7 is weight 5');
  t.same(await misc(`${script} 1`, { miscDynamic: true }).check(), { ok: false, exitCode: 1 });
  const t0 = Date.now();
  const r = await misc(hang, { miscTimeout: 0.3 }).check();
  t.match(r, { ok: false, timedOut: true, signal: 15 }, 'killed after misc_timeout');
  t.ok(Date.now() - t0 < 5000, 'did not wait for the grandchild');
  t.equal(misc('/bin/true').scriptName, execFileSync('realpath', ['/bin/true']).toString().trim(), 'path shown after realpath');
  t.match(await misc(join(dir, 'missing.sh')).check(), { ok: false, exitCode: 127 }, 'missing script fails');
});

t.test('FILE_CHECK', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ckr-file-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'state');
  const c = new FileChecker({ type: 'FILE_CHECK', file: f, weight: 0 });
  t.same(await c.check(), { ok: true, value: 0 }, 'missing file reads as 0');
  writeFileSync(f, '1\n');
  t.same(await c.check(), { ok: false, value: 1 }, 'weight 0: non-zero is a fault');
  writeFileSync(f, '0x10');
  const w = new FileChecker({ type: 'FILE_CHECK', file: f, weight: 2 });
  t.same(await w.check(), { ok: true, value: 16 });
  t.equal(fileStatus(16, 2, false), 32);
  t.equal(fileStatus(-2147483648, 1, false), IPVS_WEIGHT_FAULT);
  t.equal(fileStatus(5, 0, true), 0, 'reverse weight 0: non-zero is fine');
});

t.test('PING_CHECK to 127.0.0.1', async (t) => {
  const c = new PingChecker(resolved({ type: 'PING_CHECK', connectTimeout: 1 }, 0), '[127.0.0.1]:tcp:0', 'vs');
  const r = await c.check();
  t.same(r, { ok: true }, 'echo reply received');
});
