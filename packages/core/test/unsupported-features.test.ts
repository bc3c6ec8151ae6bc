/** The start-up warning for what keepalived would run and we do not (BFD). */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigTree } from '../src/config/reader/index.js';
import { buildConfig } from '../src/config/build.js';
import { unsupportedFeatureLines } from '../src/daemon/parent.js';

function configOf(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'unsup-'));
  try {
    const f = join(dir, 'k.conf');
    writeFileSync(f, text);
    return buildConfig(readConfigTree(f).tree, { interfaceExists: () => true }).config;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

t.test('BFD instances, track_bfd and BFD_CHECK are named at start', async (t) => {
  const c = configOf(`bfd_instance B1 {
  neighbor_ip 192.0.2.9
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 5
  track_bfd {
    B1
  }
  virtual_ipaddress {
    192.0.2.10
  }
}
virtual_server 192.0.2.200 80 {
  real_server 192.0.2.21 80 {
    BFD_CHECK {
      name B1
    }
  }
}
`);
  t.same(unsupportedFeatureLines(c), [
    'BFD is not supported: bfd_instance B1 will not run',
    '(VI_1) track_bfd is not supported - ignoring B1',
    'BFD_CHECK is not supported - 1 checker(s) will not run',
  ]);
  t.same(unsupportedFeatureLines(configOf('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 5\n virtual_ipaddress {\n  192.0.2.10\n }\n}\n')), [],
    'nothing to say for a configuration we run in full');
});
