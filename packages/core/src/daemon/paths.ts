import { DEFAULT_PID_FILES } from '../process/pidfile.js';
import type { CliOptions } from '../cli/options.js';

export interface DaemonPaths {
  main: string;
  vrrp: string;
  checker: string;
  /** The parent's `--status` socket, beside its pid file. */
  status: string;
}

/**
 * keepalived's pid file names: -p/-r/-c win; in a network namespace they move
 * to /run/keepalived/, where keepalived bind-mounts a per-namespace directory.
 * We have no private mount namespace, so the directory is named after the
 * namespace: /run/keepalived/NAME/vrrp.pid. The status socket sits next to
 * the main pid file, so `--status` with the same -p/-s finds it.
 */
export function daemonPaths(o: Pick<CliOptions, 'pidFile' | 'vrrpPidFile' | 'checkersPidFile'>, namespace: string | undefined): DaemonPaths {
  const dir = namespace ? `/run/keepalived/${namespace}` : undefined;
  const main = o.pidFile ?? (dir ? `${dir}/keepalived.pid` : DEFAULT_PID_FILES.main);
  return {
    main,
    vrrp: o.vrrpPidFile ?? (dir ? `${dir}/vrrp.pid` : DEFAULT_PID_FILES.vrrp),
    checker: o.checkersPidFile ?? (dir ? `${dir}/checkers.pid` : DEFAULT_PID_FILES.checker),
    status: `${main.replace(/\.pid$/, '')}.status.sock`,
  };
}
