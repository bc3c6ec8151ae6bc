/** `make demo` is the README's first command: it must keep working. */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.js';

t.test('conformance/demo.sh fails over and cleans up', (t) => {
  const r = spawnSync(join(repoRoot, 'conformance/demo.sh'), { encoding: 'utf8', timeout: 120_000 });
  t.equal(r.status, 0, `demo exits 0${r.status ? `\n${r.stdout}\n${r.stderr}` : ''}`);
  t.match(r.stdout, /master: r1 holds 192\.0\.2\.200/);
  t.match(r.stdout, /r2 is master after \d+ ms/);
  t.match(r.stdout, /client reaches the VIP again/);
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  t.notMatch(left, /kademo/, 'no namespace left behind');
  t.end();
});
