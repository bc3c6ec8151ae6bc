/**
 * `keepalived -t` end to end through runCli() with the real reader and
 * builder, against keepalived 2.2.7's captured output
 * (fixtures/cli/configtest.txt). keepalived prints some messages once per
 * parsing process; we compare distinct lines in order of first appearance.
 * Interfaces are decided by a fixed list (eth0 exists) so the host does not
 * matter.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/main.js';
import type { ConfigApi } from '../src/cli/config-api.js';
import { readConfigTree } from '../src/config/reader/index.js';
import { buildConfig } from '../src/config/build.js';
import { keepalivedDistinctMessages } from '../src/config/diagnostics.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../test/fixtures/cli');

interface Expected {
  conf: string;
  lines: string[];
  rc: number;
}

function parseCaptures(text: string): Expected[] {
  const out: Expected[] = [];
  let cur: Expected | undefined;
  for (const line of text.split('\n')) {
    const head = /^=== keepalived -t -f (\S+)$/.exec(line);
    const rc = /^\[exit code (\d+)\]$/.exec(line);
    if (head) cur = { conf: head[1]!, lines: [], rc: -1 };
    else if (rc && cur) {
      cur.rc = Number(rc[1]);
      out.push(cur);
      cur = undefined;
    } else if (cur && line !== '' && !cur.lines.includes(line)) cur.lines.push(line);
  }
  return out;
}

const api: ConfigApi = {
  async read(p, o) {
    return readConfigTree(p, o);
  },
  async build(tree) {
    return buildConfig(tree, { interfaceExists: (name) => name === 'eth0' || name === 'lo' });
  },
};

class Capture {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

const cases = parseCaptures(fs.readFileSync(path.join(fixtures, 'configtest.txt'), 'utf8'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ka-configtest-'));
fs.mkdirSync(path.join(work, 'conf'));
fs.symlinkSync(path.join(fixtures, 'configtest'), path.join(work, 'conf/configtest'));
const origCwd = process.cwd();
process.chdir(work);
t.teardown(() => {
  process.chdir(origCwd);
  fs.rmSync(work, { recursive: true, force: true });
});

t.ok(cases.length >= 20, 'captures parsed');
for (const c of cases) {
  t.test(c.conf, async (t) => {
    const stderr = new Capture();
    const stdout = new Capture();
    const rc = await runCli(['-t', '-f', c.conf], { argv0: 'keepalived', stderr, stdout, configApi: api });
    t.same(keepalivedDistinctMessages(stderr.text), keepalivedDistinctMessages(c.lines.join('\n')), 'messages');
    t.equal(rc, c.rc, 'exit code');
    t.equal(stdout.text, '');
  });
}
