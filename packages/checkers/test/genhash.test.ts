import t from 'tap';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { dumpBuffer, genhashMain, md5Hex, parseGenhashArgs } from '../src/genhash.js';

const run = promisify(execFile);
const REAL = '/usr/bin/genhash';

async function capture(argv: string[]): Promise<{ rc: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const rc = await genhashMain(argv, { io: { stdout: (s) => void (out += s), stderr: (s) => void (err += s) } });
  return { rc, out, err };
}

t.test('digest equals real genhash on the same pages', async (t) => {
  const big = Buffer.alloc(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  const server = http.createServer((req, res) => {
    if (req.url === '/big') res.end(big); // several reads, Content-Length set
    else if (req.url === '/chunked') {
      res.write('part one\n'); // Transfer-Encoding: chunked: the digest covers the raw chunk framing
      setTimeout(() => res.end('part two\n'), 20);
    } else res.end('hello world\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  for (const path of ['/', '/big', '/chunked']) {
    const ours = await capture(['-s', '127.0.0.1', '-p', String(port), '-u', path]);
    t.equal(ours.rc, 0);
    t.match(ours.out, /^[0-9a-f]{32}\n$/, `${path}: one digest line`);
    if (existsSync(REAL)) {
      const theirs = await run(REAL, ['-s', '127.0.0.1', '-p', String(port), '-u', path, '-t', '5']);
      t.equal(ours.out, theirs.stdout, `${path}: same digest as ${REAL}`);
    }
  }
  const hello = await capture(['--server=127.0.0.1', '--port', String(port), '--url', '/']);
  t.equal(hello.out, `${md5Hex('hello world\n')}\n`, 'MD5 of the body bytes');
  if (existsSync(REAL)) {
    const ours = await capture(['-s', '127.0.0.1', '-p', String(port), '-u', '/', '-v']);
    const theirs = await run(REAL, ['-s', '127.0.0.1', '-p', String(port), '-u', '/', '-v', '-t', '5']);
    const mask = (s: string) => s.replace(/= \d+ usecs/, '= N usecs').replace(/Date: .*\r?\n/, '').replace(/(\d{4} ( [0-9a-f]{2}| {3}){8} -( [0-9a-f]{2}| {3}){8}   ).*\n/g, '');
    t.equal(mask(ours.out), mask(theirs.stdout), '-v output matches (date and hex rows masked)');
  }
});

t.test('connection refused prints the stage and exits 0, like 2.2.7', async (t) => {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const ours = await capture(['-s', '127.0.0.1', '-p', String(port), '-u', '/']);
  t.same(ours, { rc: 0, out: 'Connection failed\n', err: '' });
});

t.test('command line errors', async (t) => {
  const usage = (await capture(['-h'])).err;
  t.match(usage, /^Usage: genhash COMMAND \[OPTIONS\]\n/);
  t.equal((await capture(['-h'])).rc, 1);
  t.match((await capture(['-s', '127.0.0.1', '-x'])).err, /^Unknown option -x\nUsage: genhash/);
  t.match((await capture(['-s', 'host.example', '-p', '1', '-u', '/'])).err, /^server should be an IP, not host.example\n/);
  t.match((await capture(['-s', '127.0.0.1', '-p', '0', '-u', '/'])).err, /^invalid port number '0'\n/);
  t.match((await capture(['-s', '127.0.0.1', '-p', '1', '-u', '/', '-P', '2'])).err, /^invalid HTTP protocol version '2'\n/);
  t.match((await capture(['-s', '127.0.0.1', '-p', '1', '-u', '/', 'extra'])).err, /^Unexpected argument\(s\): extra\n/);
  t.match((await capture(['-s', '127.0.0.1', '-p'])).err, /^Missing parameter for option -p\n/);
  t.match((await capture(['-s', '127.0.0.1', '-p', '1'])).err, /^Usage: genhash/, 'url is mandatory');
  const kd = await genhashMain(['-h'], { asKeepalived: true, io: { stdout: () => {}, stderr: (s) => t.match(s, /^Usage: keepalived --genhash /) } });
  t.equal(kd, 1);
  const p = parseGenhashArgs(['-vS', '-s127.0.0.1', '-p', '443', '-u', '/', '-P', '1.0c', '-t', '3', '-V', 'www']);
  t.match(p, { verbose: true, ssl: true, server: '127.0.0.1', port: 443, protocol: '1.0C', timeoutS: 3, virtualhost: 'www' });
});

t.test('dumpBuffer matches keepalived dump_buffer layout', async (t) => {
  t.equal(
    dumpBuffer(Buffer.from('hello world\n')),
    '0000  68 65 6c 6c 6f 20 77 6f - 72 6c 64 0a               hello world.    \n',
  );
  t.equal(dumpBuffer(Buffer.alloc(0)), '');
});
