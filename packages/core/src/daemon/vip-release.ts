import type { KeepalivedConfig } from '../config/model/index.js';

/** The part of netlink-reflector's Rtnetlink client used here (injected; tests fake it). */
export interface AddressRemover {
  removeAddress(spec: { address: string; prefixLen: number; dev: string }): Promise<void>;
}

export interface ReleaseLog {
  info(text: string): void;
}

/**
 * Takes every configured VIP (and excluded VIP) off its interface. The parent
 * calls this the moment the VRRP child dies: a dead child cannot answer
 * adverts, the peer takes over within Master_Down, and until a respawned child
 * has started and cleaned up (seconds for a Node process, against
 * milliseconds for keepalived's C child) both nodes would hold the address.
 * The respawned child removes the same addresses at start-up; removing one
 * that is not there is not an error.
 */
export async function releaseConfiguredVips(config: KeepalivedConfig, remover: AddressRemover, log: ReleaseLog): Promise<number> {
  let removed = 0;
  const jobs: Promise<void>[] = [];
  for (const vrrp of config.vrrpInstances) {
    for (const vip of [...vrrp.virtualIpaddress, ...vrrp.virtualIpaddressExcluded]) {
      const dev = vip.dev ?? vrrp.interface;
      if (!dev) continue;
      jobs.push(
        remover.removeAddress({ address: vip.address, prefixLen: vip.prefixLength, dev }).then(
          () => {
            removed++;
            log.info(`(${vrrp.name}) VRRP child gone: released ${vip.address}/${vip.prefixLength} from ${dev}`);
          },
          () => undefined, // not present (the child was not master) or the device is gone
        ),
      );
    }
  }
  await Promise.all(jobs);
  return removed;
}
