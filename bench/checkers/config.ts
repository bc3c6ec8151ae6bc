/**
 * The benchmark's keepalived.conf: TCP_CHECK real servers on 127.1.0.0/16
 * and HTTP_GET real servers on 127.2.0.0/16, all on port 80 inside the
 * bench's own network namespace (its loopback answers the whole 127/8),
 * grouped 100 to a virtual server as a large site would.
 */

export interface BenchConfig {
  tcp: number;
  http: number;
  /** delay_loop of the TCP_CHECK services, seconds. */
  tcpDelayLoop: number;
  httpDelayLoop: number;
  /** connect_timeout of every checker, seconds. */
  connectTimeout: number;
  perVs: number;
}

export const RS_PORT = 80;
export const HTTP_PATH = '/health';

/** The n-th address (0-based) of a /16 under 127.0.0.0/8, skipping .0 and .255 hosts. */
export function rsAddress(second: number, n: number): string {
  const host = n % 254;
  const third = Math.floor(n / 254);
  if (third > 255) throw new Error(`too many real servers for 127.${second}.0.0/16`);
  return `127.${second}.${third}.${host + 1}`;
}

/** 127.1.x.y are TCP_CHECK servers, 127.2.x.y HTTP_GET servers. */
export function kindOfAddress(address: string): 'tcp' | 'http' | undefined {
  if (address.startsWith('127.1.')) return 'tcp';
  if (address.startsWith('127.2.')) return 'http';
  return undefined;
}

function services(o: BenchConfig, kind: 'tcp' | 'http', firstVs: number): string[] {
  const count = kind === 'tcp' ? o.tcp : o.http;
  const second = kind === 'tcp' ? 1 : 2;
  const delayLoop = kind === 'tcp' ? o.tcpDelayLoop : o.httpDelayLoop;
  const out: string[] = [];
  for (let first = 0, vs = firstVs; first < count; first += o.perVs, vs++) {
    out.push(`virtual_server 192.0.2.${vs} ${RS_PORT} {`, `    delay_loop ${delayLoop}`, '    lb_algo rr', '    lb_kind NAT', '    protocol TCP');
    for (let n = first; n < Math.min(count, first + o.perVs); n++) {
      out.push(`    real_server ${rsAddress(second, n)} ${RS_PORT} {`, '        weight 1');
      if (kind === 'tcp') out.push(`        TCP_CHECK {`, `            connect_timeout ${o.connectTimeout}`, '        }');
      else {
        out.push(
          '        HTTP_GET {',
          `            url {`,
          `                path ${HTTP_PATH}`,
          '                status_code 200',
          '            }',
          `            connect_timeout ${o.connectTimeout}`,
          '        }',
        );
      }
      out.push('    }');
    }
    out.push('}');
  }
  return out;
}

export function benchConfig(o: BenchConfig): string {
  const tcpVs = Math.ceil(o.tcp / o.perVs);
  if (tcpVs + Math.ceil(o.http / o.perVs) > 254) throw new Error('too many virtual servers for 192.0.2.0/24');
  return [
    'global_defs {',
    '    router_id checkers_bench',
    '}',
    ...services(o, 'tcp', 1),
    ...services(o, 'http', 1 + tcpVs),
    '',
  ].join('\n');
}
