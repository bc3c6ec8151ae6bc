/**
 * vrrp_sync_group: moves member instances together (keepalived 2.2.7
 * vrrp_sync.c and the VRRP_TSM matrix of vrrp_scheduler.c).
 */
import type { VrrpInstance } from './instance.js';
import { msg } from './messages.js';
import { VRRP_PRIO_OWNER } from './timing.js';
import { VrrpState, type VrrpStateName } from './types.js';

export interface VrrpSyncGroupEffects {
  log(text: string): void;
  /** Group notification (notify scripts / fifo for "GROUP"). */
  notify(state: VrrpStateName): void;
}

type SyncHandler = (group: VrrpSyncGroup, vrrp: VrrpInstance) => void;

/**
 * Transition State Matrix: [state before] x [state after] -> handler, run after
 * every timer or packet an instance handled. Empty cells do nothing.
 */
const TSM: Readonly<Partial<Record<VrrpStateName, Partial<Record<VrrpStateName, SyncHandler>>>>> = {
  [VrrpState.Backup]: { [VrrpState.Master]: (g, v) => g.syncMaster(v) },
  [VrrpState.Master]: { [VrrpState.Backup]: (g, v) => g.syncBackup(v), [VrrpState.Master]: (g, v) => g.syncMaster(v) },
  [VrrpState.Fault]: { [VrrpState.Master]: (g, v) => g.syncMaster(v) },
};

export class VrrpSyncGroup {
  private stateValue: VrrpStateName = VrrpState.Init;
  numMemberFault = 0;
  readonly members: readonly VrrpInstance[];

  constructor(
    readonly name: string,
    members: VrrpInstance[],
    private readonly effects: VrrpSyncGroupEffects,
  ) {
    this.members = members;
    for (const vrrp of members) {
      vrrp.sync = this;
      // vrrp_sync_set_group: MASTER only if every member is an address owner wanting MASTER.
      if (this.stateValue !== VrrpState.Backup)
        this.stateValue =
          vrrp.wantstate === VrrpState.Master && vrrp.basePriority === VRRP_PRIO_OWNER
            ? VrrpState.Master
            : VrrpState.Backup;
    }
    // vrrp_complete_init: if some members want MASTER and some BACKUP, all start as BACKUP.
    const haveMaster = members.some((v) => v.wantstate === VrrpState.Master);
    const haveBackup = members.some((v) => v.wantstate === VrrpState.Backup || v.basePriority !== VRRP_PRIO_OWNER);
    if (haveMaster && haveBackup) for (const v of members) if (v.wantstate === VrrpState.Master) v.wantstate = VrrpState.Backup;
  }

  get state(): VrrpStateName {
    return this.stateValue;
  }

  /**
   * Startup of the whole group: fault accounting (initialise_tracking_priorities),
   * then each member's startup phases in keepalived's global order.
   */
  start(): void {
    for (const vrrp of this.members) {
      if (vrrp.isUp) continue;
      if (this.stateValue !== VrrpState.Fault) {
        this.stateValue = VrrpState.Fault;
        this.effects.log(msg.groupMemberFaultAtStartup(this.name, vrrp.name));
      }
      this.numMemberFault++;
    }
    for (const vrrp of this.members) vrrp.startCompleteInit();
    for (const vrrp of this.members) vrrp.startRestoreInterfaces();
    if (this.stateValue === VrrpState.Fault || this.stateValue === VrrpState.Backup) this.effects.notify(this.stateValue);
    for (const vrrp of this.members) vrrp.startInitState();
  }

  /** VRRP_TSM_HANDLE */
  handleTransition(prevState: VrrpStateName, vrrp: VrrpInstance): void {
    const handler = TSM[prevState]?.[vrrp.state];
    if (handler !== undefined) handler(this, vrrp);
  }

  /** vrrp_sync_can_goto_master: only if every other member wants MASTER too. */
  canGotoMaster(vrrp: VrrpInstance): boolean {
    if (this.stateValue === VrrpState.Master) return true;
    for (const isync of this.members) {
      if (isync !== vrrp && isync.wantstate !== VrrpState.Master) {
        vrrp.rearmFullDownTimer();
        return false;
      }
    }
    return true;
  }

  syncBackup(vrrp: VrrpInstance): void {
    if (this.stateValue === VrrpState.Backup) return;
    this.effects.log(msg.groupSyncing(this.name, 'BACKUP'));
    for (const isync of this.members) {
      if (isync === vrrp || isync.state === VrrpState.Backup) continue;
      isync.wantstate = VrrpState.Backup;
      if (isync.state === VrrpState.Fault || isync.state === VrrpState.Init) isync.leaveFault();
      else isync.leaveMaster(false);
    }
    this.changeGroupState(VrrpState.Backup);
  }

  syncMaster(vrrp: VrrpInstance): void {
    if (this.stateValue === VrrpState.Master) return;
    if (!this.canGotoMaster(vrrp)) return;
    this.effects.log(msg.groupSyncing(this.name, 'MASTER'));
    for (const isync of this.members) {
      if (isync === vrrp || isync.state === VrrpState.Master) continue;
      isync.wantstate = VrrpState.Master;
      isync.gotoMaster();
    }
    this.changeGroupState(VrrpState.Master);
  }

  syncFault(vrrp: VrrpInstance): void {
    if (this.stateValue === VrrpState.Fault) return;
    this.effects.log(msg.groupSyncing(this.name, 'FAULT'));
    for (const isync of this.members) {
      if (isync === vrrp || isync.state === VrrpState.Fault) continue;
      isync.wantstate = VrrpState.Fault;
      if (isync.state === VrrpState.Master) isync.leaveMaster(false);
      else if (isync.state === VrrpState.Backup || isync.state === VrrpState.Init) {
        isync.markFaultSilently();
        isync.leaveFault();
      }
    }
    this.changeGroupState(VrrpState.Fault);
  }

  /** down_instance's group part: the first faulty member takes the group to FAULT. */
  memberFaulted(vrrp: VrrpInstance): void {
    if (this.numMemberFault++ === 0) this.syncFault(vrrp);
  }

  /** try_up_instance's group part: true when no member is faulty any more. */
  memberRecovered(_vrrp: VrrpInstance): boolean {
    if (this.numMemberFault > 0) this.numMemberFault--;
    return this.numMemberFault === 0;
  }

  /** A master member saw a lower priority advert: the others send their garp_lower_prio bursts too. */
  sendLowerPrioGarpsForOthers(vrrp: VrrpInstance): void {
    for (const isync of this.members) if (isync !== vrrp) isync.sendLowerPrioGarps();
  }

  /** notify_shutdown for the group. */
  notifyShutdown(): void {
    this.changeGroupState(VrrpState.Stop);
  }

  private changeGroupState(to: VrrpStateName): void {
    this.stateValue = to;
    this.effects.notify(to);
  }
}
