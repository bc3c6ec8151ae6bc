/** `keepalived -T` (genhash mode) answers exactly as keepalived 2.2.7's, digest included. */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ourKeepalived, refKeepalived } from '../lib/paths.js';

function run(bin: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

t.test('usage and argument errors', async (t) => {
  for (const args of [['-T', '-h'], ['-T'], ['-T', '-s'], ['-T', '-s', '127.0.0.1'], ['-D', '-T', '-h']]) {
    const [ours, ref] = await Promise.all([run(ourKeepalived, args), run(refKeepalived, args)]);
    // each prints its own argv[0] in usage lines
    t.equal(ours.out.replaceAll(ourKeepalived, 'keepalived'), ref.out.replaceAll(refKeepalived, 'keepalived'), `${args.join(' ')}: same output`);
    t.equal(ours.code, ref.code, `${args.join(' ')}: same exit code`);
  }
});

t.test('the digest of a real page equals keepalived -T', async (t) => {
  const body = 'keepalived-ts genhash\n'.repeat(500);
  const server = createServer((_req, res) => res.end(body)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => server.close());
  const port = String((server.address() as AddressInfo).port);
  const args = ['-T', '-s', '127.0.0.1', '-p', port, '-u', '/index.html'];
  const [ours, ref] = await Promise.all([run(ourKeepalived, args), run(refKeepalived, args)]);
  const digest = (s: string) => /^([0-9a-f]{32})$/m.exec(s)?.[1];
  t.ok(digest(ref.out), 'keepalived printed a digest');
  t.equal(digest(ours.out), digest(ref.out), 'same MD5SUM');
  t.equal(ours.code, ref.code);
});
