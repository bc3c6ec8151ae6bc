/**
 * The lvs-e2e comparison helpers, offline (the VM scenario itself is lvs-e2e.test.ts).
 * Lines below are from keepalived 2.2.7's reference log (conformance/lvs-e2e/reference/) and
 * from a CI run of ours whose checkout path moved the wrap of "Command line:".
 */
import t from 'tap';
import { joinWrappedCommandLine, maskLogLine } from '../lvs-e2e/compare.js';

const reference = [
  "Sun Nov 22 12:03:37 2026: Command line: 'keepalived' '-n' '-l' '-D' '-f' '/tmp/ckr/keepalived.conf' '-p'",
  "Sun Nov 22 12:03:37 2026:               '/tmp/ckr/keepalived.pid' '-r' '/tmp/ckr/keepalived_vrrp.pid' '-c'",
  "Sun Nov 22 12:03:37 2026:               '/tmp/ckr/keepalived_checkers.pid'",
  "Sun Nov 22 12:03:37 2026: Opening file '/tmp/ckr/keepalived.conf'.",
].map(maskLogLine);
const ours = [
  "Sun Nov 22 16:53:38 2026: Command line: '/check/work/main/bin/keepalived' '-n' '-l' '-D' '-f' '/tmp/ckr/keepalived.conf'",
  "Sun Nov 22 16:53:38 2026:               '-p' '/tmp/ckr/keepalived.pid' '-r' '/tmp/ckr/keepalived_vrrp.pid' '-c'",
  "Sun Nov 22 16:53:38 2026:               '/tmp/ckr/keepalived_checkers.pid'",
  "Sun Nov 22 16:53:40 2026: Opening file '/tmp/ckr/keepalived.conf'.",
].map(maskLogLine);

t.test('joinWrappedCommandLine: the arguments compare equal wherever the wrap fell', async (t) => {
  const joinedRef = joinWrappedCommandLine(reference);
  t.same(joinedRef, [
    "Command line: 'keepalived' '-n' '-l' '-D' '-f' '/tmp/ckr/keepalived.conf' '-p' '/tmp/ckr/keepalived.pid' "
      + "'-r' '/tmp/ckr/keepalived_vrrp.pid' '-c' '/tmp/ckr/keepalived_checkers.pid'",
    "Opening file '/tmp/ckr/keepalived.conf'.",
  ]);
  const joinedOurs = joinWrappedCommandLine(ours).map((l) => l.replace(/^Command line: '[^']*\/keepalived'/, "Command line: 'keepalived'"));
  t.same(joinedOurs, joinedRef, 'same logical lines once the binary path is normalised');
});

t.test('joinWrappedCommandLine leaves other indented lines alone', async (t) => {
  const other = ['Some header', "   'quoted' but not a command line continuation", 'Command line: \'x\'', 'next'];
  t.same(joinWrappedCommandLine(other), other);
});
