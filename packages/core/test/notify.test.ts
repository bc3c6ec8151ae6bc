import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, statSync, existsSync, openSync, readSync, closeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotifyFifo, vrrpFifoLine } from '../src/notify/fifo.js';
import { runScript, splitScriptLine } from '../src/notify/script.js';

const dir = mkdtempSync(join(tmpdir(), 'ka-notify-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('script lines split like keepalived: blanks separate, quotes group', (t) => {
  t.same(splitScriptLine('/bin/notify.sh RS_UP "tag one"'), ['/bin/notify.sh', 'RS_UP', 'tag one']);
  t.same(splitScriptLine("  a  'b c'  d\\ e "), ['a', 'b c', 'd e']);
  t.same(splitScriptLine('x ""'), ['x', ''], 'an empty quoted word is a word');
  t.same(splitScriptLine(''), []);
  t.end();
});

t.test('runScript reports exit codes, arguments, timeouts and spawn failures', async (t) => {
  const script = join(dir, 'echo-args.sh');
  const out = join(dir, 'args.txt');
  writeFileSync(script, `#!/bin/sh\nprintf '%s|' "$@" > ${out}\nexit 3\n`);
  chmodSync(script, 0o755);
  const r = await runScript({ argv: [script, 'INSTANCE'] }, { extraArgs: ['VI_1', 'MASTER', '100'] });
  t.equal(r.code, 3);
  t.equal(r.timedOut, false);
  const { readFileSync } = await import('node:fs');
  t.equal(readFileSync(out, 'utf8'), 'INSTANCE|VI_1|MASTER|100|');

  const hang = await runScript({ argv: ['/bin/sleep', '30'] }, { timeoutMs: 100 });
  t.equal(hang.timedOut, true, 'a hanging script is killed at its timeout');
  t.equal(hang.signal, 'SIGTERM');

  const missing = await runScript({ argv: [join(dir, 'nope')] });
  t.equal(missing.spawnErrorCode, 'ENOENT');
  t.equal(missing.code, null);
});

t.test('the notify FIFO is created 0644, carries lines in order, and never blocks', async (t) => {
  const path = join(dir, 'notify.fifo');
  const log: string[] = [];
  const fifo = await NotifyFifo.open(path, { info: (s) => log.push(s) });
  t.ok(fifo, 'opened');
  t.ok(statSync(path).isFIFO(), 'created as a FIFO');
  t.equal(statSync(path).mode & 0o777, 0o644);
  // a reader, opened non-blocking so the test itself cannot hang
  const rfd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(rfd));
  fifo!.writeLine(vrrpFifoLine('INSTANCE', 'VI_1', 'BACKUP', 100));
  fifo!.writeLine(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER', 100));
  fifo!.writeLine(vrrpFifoLine('GROUP', 'G1', 'MASTER', 0));
  await new Promise((r) => setTimeout(r, 100));
  const buf = Buffer.alloc(4096);
  const n = readSync(rfd, buf, 0, buf.length, null);
  t.equal(buf.subarray(0, n).toString(), 'INSTANCE "VI_1" BACKUP 100\nINSTANCE "VI_1" MASTER 100\nGROUP "G1" MASTER 0\n');

  // with nobody reading, a full pipe drops lines instead of blocking
  const big = 'x'.repeat(4000) + '\n';
  for (let i = 0; i < 40; i++) fifo!.writeLine(big);
  await new Promise((r) => setTimeout(r, 200));
  t.ok(fifo!.dropped > 0, `lines beyond the pipe's capacity were dropped (${fifo!.dropped})`);
  fifo!.close();
  await new Promise((r) => setTimeout(r, 50));
  t.notOk(existsSync(path), 'a FIFO we created is unlinked on close');
  t.same(log, []);
});

t.test('a FIFO path that cannot be opened is reported, not fatal', async (t) => {
  const log: string[] = [];
  const fifo = await NotifyFifo.open(join(dir, 'no-such-dir', 'f'), { info: (s) => log.push(s) });
  t.equal(fifo, undefined);
  t.match(log[0], /^Unable to open notify fifo .*no-such-dir\/f - errno \d+$/);
});
