/**
 * The real servers of bench/checkers: ONE process in the bench namespace,
 * one listening socket on 0.0.0.0:80 (the namespace has nothing but lo, so
 * this is loopback only). The local address a connection arrived on names
 * the real server: 127.1.x.y gets a plain accept-and-close (TCP_CHECK),
 * 127.2.x.y an HTTP/1.0 200 answer (HTTP_GET).
 *
 * It also measures the schedule "on the wire": for every real server the
 * interval between two probes minus the delay_loop - the lateness of the
 * probe as its server sees it, the same yardstick for any implementation.
 *
 * Commands on stdin, one JSON answer per line on stdout:
 *   mark    - start a new measuring window
 *   report  - figures for the window since the last mark
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { DriftHistogram } from '@keepalived-ts/checkers';
import { kindOfAddress, RS_PORT } from './config.js';

const tcpDelayMs = Number(process.env.TCP_DELAY_LOOP ?? 1) * 1000;
const httpDelayMs = Number(process.env.HTTP_DELAY_LOOP ?? 1) * 1000;
const RESPONSE = Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n');

interface KindStats {
  connections: number;
  /** Distinct real servers probed in the window. */
  servers: Set<string>;
  wire: DriftHistogram;
}

const lastSeen = new Map<string, number>();
const fresh = (): KindStats => ({ connections: 0, servers: new Set(), wire: new DriftHistogram() });
let stats = { tcp: fresh(), http: fresh() };
let windowStart = performance.now();

function onHttpData(this: net.Socket, chunk: Buffer): void {
  // the whole request arrives in one segment on loopback; answer once the header ends
  if (chunk.includes('\r\n\r\n')) this.end(RESPONSE);
}

const server = net.createServer((sock) => {
  const now = performance.now();
  sock.on('error', () => undefined);
  const addr = sock.localAddress ?? '';
  const kind = kindOfAddress(addr);
  if (!kind) {
    sock.destroy();
    return;
  }
  const s = stats[kind];
  s.connections++;
  s.servers.add(addr);
  const prev = lastSeen.get(addr);
  lastSeen.set(addr, now);
  if (prev !== undefined && prev >= windowStart) s.wire.record(now - prev - (kind === 'tcp' ? tcpDelayMs : httpDelayMs));
  if (kind === 'tcp') sock.end();
  else sock.on('data', onHttpData);
});
server.on('error', (e) => {
  process.stderr.write(`listener: ${e.message}\n`);
  process.exit(1);
});

function summary(s: KindStats, seconds: number): object {
  return { connections: s.connections, perSecond: Math.round(s.connections / seconds), servers: s.servers.size, wire: s.wire.summary() };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'mark') {
    stats = { tcp: fresh(), http: fresh() };
    windowStart = performance.now();
    process.stdout.write(`${JSON.stringify({ marked: true })}\n`);
  } else if (cmd === 'report') {
    const seconds = (performance.now() - windowStart) / 1000;
    process.stdout.write(`${JSON.stringify({ seconds, tcp: summary(stats.tcp, seconds), http: summary(stats.http, seconds) })}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));

server.listen({ host: '0.0.0.0', port: RS_PORT, backlog: 8192 }, () => {
  process.stdout.write(`${JSON.stringify({ listening: RS_PORT })}\n`);
});
