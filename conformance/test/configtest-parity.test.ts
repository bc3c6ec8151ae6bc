/**
 * `keepalived -t` parity: for every Debian sample config and every shared -t
 * case, our exit code and distinct messages equal keepalived 2.2.7's, both run
 * in one namespace whose only links are the ones the configs name (so the
 * host's interfaces never decide an answer).
 */
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TestNamespace, isRoot } from '../lib/netns.js';
import { runConfigTest } from '../lib/config-test.js';
import { debianSamples, fixtures, ourKeepalived, refKeepalived, repoRoot } from '../lib/paths.js';

if (!isRoot() || !existsSync(refKeepalived)) {
  t.fail('the parity suite needs root and Debian keepalived 2.2.7 (make deps installs it)');
} else {
  const ns = TestNamespace.create('ka-parity');
  t.teardown(() => ns.remove());
  for (const ifname of ['eth0', 'eth1']) ns.addLink(ifname);
  const inNs = ns.exec([]);

  const cases: string[] = [];
  const configtestDir = join(fixtures, 'configtest');
  for (const f of readdirSync(configtestDir).sort()) cases.push(relative(repoRoot, join(configtestDir, f)));
  cases.push(relative(repoRoot, join(configtestDir, 'nonexistent.conf')));
  for (const f of readdirSync(debianSamples).sort()) {
    if (f.startsWith('keepalived.conf')) cases.push(join(debianSamples, f));
  }

  process.chdir(repoRoot);
  for (const conf of cases) {
    t.test(conf, (t) => {
      const ref = runConfigTest(refKeepalived, conf, inNs);
      const ours = runConfigTest(ourKeepalived, conf, inNs);
      t.notOk(ours.timedOut, 'ours finished');
      t.equal(ours.signal, null, 'ours was not killed by a signal');
      t.equal(ours.code, ref.code, `exit code equals keepalived's (${ref.code})`);
      t.same(ours.messages, ref.messages, "distinct messages equal keepalived's");
      t.end();
    });
  }
}
