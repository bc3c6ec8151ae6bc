import t from 'tap';
import { decodeDnsHeader, encodeDnsHeader, encodeDnsQuery, encodeQname, judgeDnsReply } from '../src/dns-codec.js';
import { decodeIcmpEcho, encodeIcmpEcho, inetChecksum, ipv4PayloadOffset } from '../src/icmp-codec.js';
import { extractContentLength, extractStatusCode, buildRequest } from '../src/http-fetch.js';
import { TimerHeap } from '../src/scheduler.js';
import { smtpStatus } from '../src/smtp.js';
import { parseTrackedValue } from '../src/file.js';
import { splitCommand } from '../src/misc.js';
import { parseStatusCodes } from '../src/http.js';

t.test('DNS query: golden bytes', async (t) => {
  t.same(
    encodeDnsQuery({ id: 0x1234, name: 'a.example.', type: 6 }),
    Buffer.from('123401000001000000000000' + '0161076578616d706c6500' + '00060001', 'hex'),
  );
  t.same(encodeQname(''), Buffer.from([0]), 'default name is the root');
  t.same(encodeQname('.'), Buffer.from([0]));
});

t.test('DNS header round trip, also at a non-zero offset', async (t) => {
  const h = { id: 0xbeef, isResponse: true, rcode: 2 };
  const enc = encodeDnsHeader(h);
  t.same(decodeDnsHeader(enc), h);
  const shifted = Buffer.concat([Buffer.from([9, 9, 9]), enc]);
  t.same(decodeDnsHeader(shifted, 3), h);
  t.equal(decodeDnsHeader(Buffer.alloc(11)), null, 'short datagram');
  t.same(judgeDnsReply(0xbeef, enc), { verdict: 'error', rcode: 2 });
  t.same(judgeDnsReply(0xbeee, enc), { verdict: 'ignore' }, 'id mismatch ignored');
  t.same(judgeDnsReply(0xbeef, encodeDnsHeader({ id: 0xbeef, isResponse: false, rcode: 0 })), { verdict: 'ignore' }, 'a query is ignored');
  t.same(judgeDnsReply(1, encodeDnsHeader({ id: 1, isResponse: true, rcode: 0 })), { verdict: 'ok' });
});

t.test('ICMP echo: golden bytes, checksum, round trip at an offset', async (t) => {
  const m = { type: 8, code: 0, id: 0x0102, seq: 3, payload: Buffer.from('ab') };
  const enc = encodeIcmpEcho(m);
  t.same(enc, Buffer.from('0800' + '9598' + '0102' + '0003' + '6162', 'hex'));
  t.equal(inetChecksum(enc), 0, 'checksum verifies');
  t.same(decodeIcmpEcho(enc), m);
  const ip = Buffer.concat([Buffer.from([0x45]), Buffer.alloc(19), enc]);
  t.equal(ipv4PayloadOffset(ip), 20);
  t.same(decodeIcmpEcho(ip, 20), m);
  t.equal(decodeIcmpEcho(Buffer.alloc(7)), null);
});

t.test('HTTP parsing as keepalived does it', async (t) => {
  t.equal(extractStatusCode(Buffer.from('HTTP/1.0 404 Not Found\r\n')), 404);
  t.equal(extractStatusCode(Buffer.from('HTTP/1.0 2000 x\r\n')), 0);
  t.equal(extractStatusCode(Buffer.from('garbage')), 0);
  t.equal(extractContentLength(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n')), 12);
  t.equal(extractContentLength(Buffer.from('HTTP/1.0 200 OK\r\ncontent-length: 12\r\n\r\n')), undefined, 'case-sensitive');
  t.equal(extractContentLength(Buffer.from('Content-Length: 12x\r\n')), undefined);
  t.equal(
    buildRequest({ path: '/p', protocol: '1.0C', dst: { ip: '2001:db8::1', port: 8080, family: 6 } }),
    'GET /p HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [2001:db8::1]:8080\r\n\r\n',
  );
  t.same(parseStatusCodes(undefined), [[200, 299]]);
  t.same(parseStatusCodes([200, '301-303 404']), [[200, 200], [301, 303], [404, 404]]);
  t.throws(() => parseStatusCodes(['99']));
});

t.test('small parsers', async (t) => {
  t.equal(smtpStatus('220 ok\r\n'), 220);
  t.equal(smtpStatus('220-multi\r\n'), -1);
  t.equal(smtpStatus('2200 x'), -1);
  t.equal(parseTrackedValue(' -12\n'), -12);
  t.equal(parseTrackedValue('0x1f'), 31);
  t.equal(parseTrackedValue('010'), 8);
  t.equal(parseTrackedValue('junk'), 0);
  t.equal(parseTrackedValue('99999999999'), undefined);
  t.same(splitCommand(`/bin/sh -c "echo 'a b'" x\\ y`), ['/bin/sh', '-c', "echo 'a b'", 'x y']);
});

t.test('TimerHeap fires in deadline order, once, and not after cancel/stop', async (t) => {
  const heap = new TimerHeap();
  const order: number[] = [];
  heap.schedule(30, () => order.push(3));
  heap.schedule(10, () => order.push(1));
  const c = heap.schedule(15, () => order.push(99));
  heap.schedule(20, () => order.push(2));
  heap.schedule(10, () => order.push(11)); // same deadline: FIFO
  c.cancel();
  await new Promise((r) => setTimeout(r, 80));
  t.same(order, [1, 11, 2, 3]);
  heap.schedule(5, () => order.push(4));
  heap.stop();
  await new Promise((r) => setTimeout(r, 30));
  t.same(order, [1, 11, 2, 3], 'stopped heap runs nothing');
});
