import type { VrrpVersion } from './timing.js';

export const VrrpState = {
  Init: 'INIT',
  Backup: 'BACKUP',
  Master: 'MASTER',
  Fault: 'FAULT',
  Stop: 'STOP',
} as const;
export type VrrpStateName = (typeof VrrpState)[keyof typeof VrrpState];

/** keepalived's numeric states, for the one message that prints them. */
export const KEEPALIVED_STATE_NUMBER: Readonly<Record<VrrpStateName, number>> = {
  INIT: 0,
  BACKUP: 1,
  MASTER: 2,
  FAULT: 3,
  STOP: 98,
};

/**
 * Everything the state machine needs from one vrrp_instance block. Deliberately
 * independent of the configuration model: the integrator maps one onto the other.
 * Durations are milliseconds (fractions allowed); they are kept internally in
 * microseconds like keepalived.
 */
export interface VrrpInstanceConfig {
  /** Instance name as it appears in logs: "(VI_1) ...". */
  name: string;
  vrid: number;
  version: VrrpVersion;
  family: 'inet' | 'inet6';
  /** Configured (base) priority 1..255; 255 = address owner. */
  priority: number;
  /** advert_int; for VRRPv3 already rounded to centiseconds by the config layer. */
  advertIntMs: number;
  /** The `state MASTER|BACKUP` keyword; undefined means derived from the priority. */
  initialState?: 'MASTER' | 'BACKUP';
  nopreempt?: boolean;
  preemptDelayMs?: number;
  /** down_timer_adverts, default 3. */
  downTimerAdverts?: number;
  /** garp_master_delay (default 5000 ms; 0 = no delayed burst). */
  garpMasterDelayMs?: number;
  /** garp_master_repeat (default 5). */
  garpMasterRepeat?: number;
  /** garp_master_refresh (default 0 = off). */
  garpMasterRefreshMs?: number;
  /** garp_master_refresh_repeat (default 1). */
  garpMasterRefreshRepeat?: number;
  /** garp_lower_prio_delay (keepalived default: the garp_master_delay). */
  garpLowerPrioDelayMs?: number;
  /** garp_lower_prio_repeat (keepalived default: the garp_master_repeat). */
  garpLowerPrioRepeat?: number;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  /** Our source address for this instance, used for the equal-priority tie break. */
  ourAddress?: string;
  /** Whether the instance has virtual_ipaddress / virtual_ipaddress_excluded / routes / rules (drives log lines). */
  hasVips?: boolean;
  hasExcludedVips?: boolean;
  hasVirtualRoutes?: boolean;
  hasVirtualRules?: boolean;
  /**
   * keepalived removes the VIPs at startup when the interface already existed
   * ("(VI_1) removing VIPs."). Default true.
   */
  releaseVipsAtStart?: boolean;
  /** No accept mode (and not the owner): nftables drop rules for the VIPs while they are set. */
  firewallDropRule?: boolean;
  /** vrrp_startup_delay (global), ms. */
  startupDelayMs?: number;
  /** keepalived -D / --log-detail: enables the detail log lines. */
  logDetail?: boolean;
  /** notify_priority_changes. */
  notifyPriorityChanges?: boolean;
}

/** An advert already decoded and validated by the codec/validate layers. */
export interface ReceivedAdvert {
  priority: number;
  srcAddr: string;
  /** VRRPv3 Max Adver Int field, centiseconds (ignored for v2). */
  maxAdverIntCs?: number;
}

export type VrrpFsmCounter = 'becomeMaster' | 'releaseMaster' | 'priZeroSent';

export type VrrpFsmEvent = 'master_rx_lower_pri';

/** All side effects of the machine. Implementations must not call back into the machine synchronously. */
export interface VrrpEffects {
  /** Build and send one advertisement with this priority (0 = "I am stopping"). */
  sendAdvert(priority: number): void;
  /**
   * Hands over, synchronously, adverts already queued on our socket (they go
   * to receiveAdvert). Asked before a BACKUP declares the master down.
   */
  drainPendingAdverts?(): void;
  /** Adds (before the VIPs) or removes (after them) the no-accept drop rules. */
  setFirewallDropRule?(adding: boolean): void;
  addVips(excluded: boolean): void;
  removeVips(excluded: boolean): void;
  addVirtualRoutes?(): void;
  removeVirtualRoutes?(): void;
  addVirtualRules?(): void;
  removeVirtualRules?(): void;
  /**
   * Send `repeat` rounds of gratuitous ARP / unsolicited NA for every VIP (the
   * layer logs "(VI_1) Sending/queueing gratuitous ARPs on ..." per address).
   */
  sendGarps(repeat: number): void;
  /** Drop queued (rate-limited) GARPs not yet sent: keepalived vrrp_remove_delayed_arp. */
  cancelPendingGarps?(): void;
  /** Instance state notification (notify scripts, fifo, dbus, snmp). */
  notify(state: VrrpStateName, effectivePriority: number): void;
  notifyEvent?(event: VrrpFsmEvent): void;
  notifyPriority?(effectivePriority: number): void;
  log(text: string): void;
  countStat(counter: VrrpFsmCounter): void;
}
