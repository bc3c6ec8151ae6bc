import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isParentMessage, type ChildMessage, type DumpKind } from './ipc.js';

export interface ChildHandlers {
  onReload?(): void | Promise<void>;
  onDump?(kind: DumpKind): void | Promise<void>;
  /** The child's state for `keepalived --status` (plain JSON-able data). */
  onStatus?(): unknown;
  /** Graceful stop requested by the parent (or the parent vanished). */
  onStop(): void | Promise<void>;
}

/**
 * The child's side of the IPC contract. Pings are answered from the event
 * loop itself, so a child whose loop is stuck stops answering and the parent's
 * watchdog notices. If the parent disappears, the child stops.
 */
export function startChildRuntime(handlers: ChildHandlers): { send(msg: ChildMessage): void; close(): void } {
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void handlers.onStop();
  };
  const onMessage = (msg: unknown) => {
    if (!isParentMessage(msg)) return;
    switch (msg.type) {
      case 'ping': {
        const lagMs = lag.max / 1e6;
        lag.reset();
        process.send?.({ type: 'pong', seq: msg.seq, lagMs } satisfies ChildMessage);
        break;
      }
      case 'reload':
        void handlers.onReload?.();
        break;
      case 'dump':
        void handlers.onDump?.(msg.kind);
        break;
      case 'status-request':
        process.send?.({ type: 'status', id: msg.id, status: handlers.onStatus?.() ?? null } satisfies ChildMessage);
        break;
      case 'stop':
        stop();
        break;
    }
  };
  process.on('message', onMessage);
  process.on('disconnect', stop);
  process.send?.({ type: 'ready' } satisfies ChildMessage);
  return {
    send(msg) {
      if (process.connected) process.send?.(msg);
    },
    close() {
      lag.disable();
      process.off('message', onMessage);
      process.off('disconnect', stop);
    },
  };
}
