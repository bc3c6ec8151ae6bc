// "Checked against <linux/ip_vs.h>": compile a C program that prints every
// constant from the system headers and compare with ours.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import * as C from '../src/constants.js';

const HEADER = '/usr/include/linux/ip_vs.h';

// Names whose C spelling differs from ours or that are not macros/enums in the headers.
const NOT_IN_HEADERS = new Set([
  'IPVS_GENL_NAME', 'IPVS_CMD_NAMES', 'IPVS_SCHEDULERS', 'CTRL_VERSION',
  // keepalived's own aliases (check_data.h), checked below against the SH ones.
  'IP_VS_SVC_F_SCHED_MH_FALLBACK', 'IP_VS_SVC_F_SCHED_MH_PORT',
]);

t.test('every numeric constant equals the system header value', { skip: existsSync(HEADER) ? false : `${HEADER} missing (apt-get install linux-libc-dev)` }, async (t) => {
  const names = Object.entries(C)
    .filter(([name, v]) => typeof v === 'number' && !NOT_IN_HEADERS.has(name))
    .map(([name]) => name);
  t.ok(names.length > 120, `${names.length} constants to check`);
  const dir = mkdtempSync(join(tmpdir(), 'ipvs-constants-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const src = [
    '#include <stdio.h>',
    '#include <netinet/in.h>',
    '#include <linux/netlink.h>',
    '#include <linux/genetlink.h>',
    '#include <linux/ip_vs.h>',
    'int main(void) {',
    ...names.map((n) => `  printf("%s %ld\\n", "${n}", (long)(${n}));`),
    '  return 0;',
    '}',
  ].join('\n');
  writeFileSync(join(dir, 'c.c'), src);
  execFileSync('cc', ['-o', join(dir, 'c'), join(dir, 'c.c')], { stdio: 'pipe' });
  const out = execFileSync(join(dir, 'c'), { encoding: 'utf8' });
  const fromC = new Map(out.trim().split('\n').map((l) => { const [n, v] = l.split(' '); return [n!, Number(v)]; }));
  for (const n of names) t.equal((C as Record<string, unknown>)[n], fromC.get(n), n);
  t.equal(C.IP_VS_SVC_F_SCHED_MH_FALLBACK, fromC.get('IP_VS_SVC_F_SCHED_SH_FALLBACK'));
  t.equal(C.IP_VS_SVC_F_SCHED_MH_PORT, fromC.get('IP_VS_SVC_F_SCHED_SH_PORT'));
  t.equal(C.IPVS_GENL_NAME, 'IPVS');
});

t.test('the 14 schedulers keepalived 2.2.7 accepts', async (t) => {
  t.same([...C.IPVS_SCHEDULERS], ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos']);
  for (const s of C.IPVS_SCHEDULERS) t.ok(s.length < C.IP_VS_SCHEDNAME_MAXLEN, `${s} fits sched_name`);
});
