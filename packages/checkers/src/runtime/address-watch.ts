/**
 * The host's addresses for ha_suspend, as keepalived's checker process follows
 * them through its netlink reflector: a live rtnetlink table whose address
 * events reach the current health-check service.
 */
import type { Logger } from '@keepalived-ts/core';
import type { NativeBinding } from '@keepalived-ts/native';
import { InterfaceTable, type AddressInfo } from '@keepalived-ts/netlink-reflector';

export class HostAddressWatch {
  private constructor(private readonly table: InterfaceTable) {}

  static async open(native: NativeBinding, log: Logger, onChange: (address: string, added: boolean) => void): Promise<HostAddressWatch> {
    const table = await InterfaceTable.open({
      native, logger: { info: (t) => log.info(t), warn: (t) => log.info(t), error: (t) => log.error(t), debug: () => {} },
    });
    table.on('addressAdded', (a: AddressInfo) => onChange(a.address, true));
    table.on('addressRemoved', (a: AddressInfo) => onChange(a.address, false));
    return new HostAddressWatch(table);
  }

  addresses(): string[] {
    return this.table.addresses().map((a) => a.address);
  }

  close(): void {
    this.table.close();
  }
}
