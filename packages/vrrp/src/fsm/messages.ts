/**
 * Log texts of keepalived 2.2.7 (vrrp/vrrp.c, vrrp_scheduler.c, vrrp_track.c,
 * vrrp_sync.c), reproduced word for word so logs can be compared line by line.
 */
import { formatSecondsUs } from './timing.js';

export const msg = {
  enteringBackupInit: (n: string) => `(${n}) Entering BACKUP STATE (init)`,
  enteringFaultInit: (n: string) => `(${n}) Entering FAULT STATE (init)`,
  /** vrrp_complete_init for an instance already faulty at startup. */
  enteringFaultAtStartup: (n: string) => `(${n}) entering FAULT state`,
  enteringBackup: (n: string) => `(${n}) Entering BACKUP STATE`,
  enteringMaster: (n: string) => `(${n}) Entering MASTER STATE`,
  enteringFault: (n: string) => `(${n}) Entering FAULT STATE`,
  leaveMasterInvalidWantstate: (n: string, want: number) =>
    `(${n}) vrrp_state_leave_master called with invalid wantstate ${want}`,
  receiveTimeout: (n: string) => `(${n}) Receive advertisement timeout`,
  backupRxPriorityZero: (n: string) => `(${n}) Backup received priority 0 advertisement`,
  lowerPriorityDiscarding: (n: string, prio: number, from: string) =>
    `(${n}) received lower priority (${prio}) advert from ${from} - discarding`,
  stopPreemptDelay: (n: string) => `(${n}) stop preempt delay`,
  startPreemptDelay: (n: string, delayUs: number) => `(${n}) start preempt delay (${formatSecondsUs(delayUs)})`,
  masterRxPriorityZero: (n: string) => `(${n}) Master received priority 0 message`,
  equalPriorityOurAddress: (n: string) =>
    `(${n}) WARNING - equal priority advert received from remote host with our IP address.`,
  ownerConflict: (n: string) =>
    `(${n}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority`,
  masterRxLower: (n: string, from: string, prio: number, ours: number, forcing: boolean) =>
    `(${n}) Received advert from ${from} with lower priority ${prio}, ours ${ours}${forcing ? ', forcing new election' : ''}`,
  masterRxHigher: (n: string, from: string, prio: number, ours: number) =>
    `(${n}) Master received advert from ${from} with higher priority ${prio}, ours ${ours}`,
  masterRxSameHigherAddr: (n: string, from: string, prio: number) =>
    `(${n}) Master received advert from ${from} with same priority ${prio} but higher IP address than ours`,
  advertIntervalUpdated: (n: string, fromUs: number, toUs: number) =>
    `(${n}) advertisement interval updated from ${Math.floor(fromUs / 1000)}ms to ${Math.floor(toUs / 1000)}ms by master`,
  advertIntervalToLocal: (n: string, fromUs: number, toUs: number) =>
    `(${n}) changing advert interval from ${Math.floor(fromUs / 1000)}ms to locally configured ${Math.floor(toUs / 1000)}ms`,
  sentZeroPriority: (n: string) => `(${n}) sent 0 priority`,
  dropRule: (n: string, adding: boolean) => `(${n}) ${adding ? 'sett' : 'remov'}ing firewall drop rule`,
  vips: (n: string, adding: boolean, excluded: boolean) =>
    `(${n}) ${adding ? 'sett' : 'remov'}ing ${excluded ? 'E-' : ''}VIPs.`,
  routes: (n: string, adding: boolean) => `(${n}) ${adding ? 'sett' : 'remov'}ing Virtual Routes`,
  rules: (n: string, adding: boolean) => `(${n}) ${adding ? 'sett' : 'remov'}ing Virtual Rules`,
  effectivePriority: (n: string, from: number, to: number) =>
    `(${n}) Changing effective priority from ${from} to ${to}`,
  groupSyncing: (g: string, state: 'BACKUP' | 'MASTER' | 'FAULT') => `VRRP_Group(${g}) Syncing instances to ${state} state`,
  groupMemberFaultAtStartup: (g: string, n: string) => `VRRP_Group(${g}): Syncing ${n} to FAULT state`,
} as const;
