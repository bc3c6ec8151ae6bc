/** keepalived's addr_matches for ha_suspend: a VS address, or one in a virtual_server_group range. */
import t from 'tap';
import { vsAddressMatches } from '../src/ha-suspend.js';
import type { ResolvedVirtualServer } from '../src/resolve.js';

const vs = (over: Partial<ResolvedVirtualServer>): ResolvedVirtualServer => ({ port: 80, haSuspend: true, ...over } as ResolvedVirtualServer);

t.test('a plain virtual server', async (t) => {
  t.ok(vsAddressMatches(vs({ ip: '192.0.2.200' }), '192.0.2.200'));
  t.notOk(vsAddressMatches(vs({ ip: '192.0.2.200' }), '192.0.2.201'));
  t.ok(vsAddressMatches(vs({ ip: '2001:db8::200' }), '2001:db8:0:0::200'), 'IPv6 compared as bytes');
  t.notOk(vsAddressMatches(vs({ ip: '2001:db8::200' }), '192.0.2.200'), 'another family never matches');
  t.notOk(vsAddressMatches(vs({ ip: '192.0.2.200' }), 'junk'));
});

t.test('a virtual_server_group with addresses and ranges', async (t) => {
  const g = vs({ group: { name: 'G', entries: [{ address: '192.0.2.10', rangeEnd: 20, port: 80 }, { address: '2001:db8::a', port: 80 }, { fwmark: 3 }] } } as never);
  t.ok(vsAddressMatches(g, '192.0.2.10'));
  t.ok(vsAddressMatches(g, '192.0.2.20'));
  t.notOk(vsAddressMatches(g, '192.0.2.21'));
  t.notOk(vsAddressMatches(g, '198.51.100.15'), 'the range is in the last octet only');
  t.ok(vsAddressMatches(g, '2001:db8::a'));
  t.notOk(vsAddressMatches(g, '2001:db8::b'));
});
