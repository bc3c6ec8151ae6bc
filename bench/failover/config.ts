/** keepalived.conf texts of the failover bench (same file for both implementations). */

export const VIP = '192.0.2.200';
export const PRIORITY = { a: 150, b: 100 } as const;

export interface InstanceSpec {
  vrid: number;
  vip: string;
}

export interface VrrpSpec {
  version: 2 | 3;
  /** advert_int as written in the config, e.g. "1", "0.1", "0.01". */
  advertInt: string;
  priority: number;
  instances: readonly InstanceSpec[];
}

export function vrrpConfig(routerId: string, s: VrrpSpec): string {
  const out = ['global_defs {', `    router_id ${routerId}`, '}'];
  for (const i of s.instances) {
    out.push(
      `vrrp_instance VI_${i.vrid} {`,
      '    state BACKUP',
      '    interface eth0',
      `    virtual_router_id ${i.vrid}`,
      `    version ${s.version}`,
      `    priority ${s.priority}`,
      `    advert_int ${s.advertInt}`,
      '    virtual_ipaddress {',
      `        ${i.vip}/24 dev eth0`,
      '    }',
      '}',
    );
  }
  return `${out.join('\n')}\n`;
}

/** The single-instance failover pair. */
export const SINGLE: readonly InstanceSpec[] = [{ vrid: 51, vip: VIP }];

/** n instances, VRIDs 1..n, one VIP each from 192.0.2.10 upwards (n <= 240). */
export function manyInstances(n: number): InstanceSpec[] {
  if (n < 1 || n > 240) throw new Error(`instances must be 1..240 (got ${n})`);
  return Array.from({ length: n }, (_, k) => ({ vrid: k + 1, vip: `192.0.2.${10 + k}` }));
}

/** RFC 9568 Master_Down_Interval in µs for a backup priority (skew scales with the interval in v3, 1 s-based in v2). */
export function masterDownUs(version: 2 | 3, advertUs: number, backupPriority: number): number {
  const skew = version === 2 ? ((256 - backupPriority) / 256) * 1e6 : ((256 - backupPriority) * advertUs) / 256;
  return 3 * advertUs + skew;
}
