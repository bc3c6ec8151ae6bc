import type { Timer } from './clock.js';

/**
 * Binary min-heap of armed timers ordered by due time, then by arming order
 * (so two timers due at the same instant fire in the order they were armed,
 * as keepalived's rb-tree of threads does for equal sands).
 * Shared by the real and the manual scheduler so both fire in the same order.
 */
export class QueuedTimer implements Timer {
  dueUs = 0;
  seq = 0;
  /** Index in the heap, -1 when not queued. */
  heapIndex = -1;

  constructor(
    readonly name: string,
    readonly callback: () => void,
    private readonly queue: TimerQueue,
  ) {}

  get armed(): boolean {
    return this.heapIndex >= 0;
  }

  arm(delayUs: number): void {
    this.armAt(this.queue.nowUs() + Math.max(0, delayUs));
  }

  armAt(dueUs: number): void {
    this.queue.reschedule(this, dueUs);
  }

  cancel(): void {
    this.queue.remove(this);
  }
}

export class TimerQueue {
  private readonly heap: QueuedTimer[] = [];
  private nextSeq = 0;

  constructor(
    readonly nowUs: () => number,
    /** Called whenever the earliest due time may have changed. */
    private readonly onHeadChanged: () => void = () => {},
  ) {}

  get size(): number {
    return this.heap.length;
  }

  peek(): QueuedTimer | undefined {
    return this.heap[0];
  }

  insert(t: QueuedTimer): void {
    this.insertQuietly(t);
    if (t.heapIndex === 0) this.onHeadChanged();
  }

  remove(t: QueuedTimer): void {
    if (this.removeQuietly(t) === 0) this.onHeadChanged();
  }

  /**
   * (Re-)arms t for dueUs with at most one head notification: re-arming the
   * head timer (every advert of a lone instance) must not disarm the wake-up
   * source between the removal and the insertion.
   */
  reschedule(t: QueuedTimer, dueUs: number): void {
    const wasHead = this.removeQuietly(t) === 0;
    t.dueUs = dueUs;
    this.insertQuietly(t);
    if (wasHead || t.heapIndex === 0) this.onHeadChanged();
  }

  private insertQuietly(t: QueuedTimer): void {
    t.seq = this.nextSeq++;
    t.heapIndex = this.heap.length;
    this.heap.push(t);
    this.siftUp(t.heapIndex);
  }

  /** Returns the index t had (-1 when it was not queued). */
  private removeQuietly(t: QueuedTimer): number {
    const i = t.heapIndex;
    if (i < 0) return -1;
    const last = this.heap.pop() as QueuedTimer;
    t.heapIndex = -1;
    if (last !== t) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.siftDown(i);
      this.siftUp(last.heapIndex);
    }
    return i;
  }

  /** Removes and returns the earliest timer if it is due at or before `nowUs`. */
  popDue(nowUs: number): QueuedTimer | undefined {
    const head = this.heap[0];
    if (head === undefined || head.dueUs > nowUs) return undefined;
    this.remove(head);
    return head;
  }

  private less(a: QueuedTimer, b: QueuedTimer): boolean {
    return a.dueUs < b.dueUs || (a.dueUs === b.dueUs && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i]!, heap[parent]!)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.less(heap[l]!, heap[smallest]!)) smallest = l;
      if (r < n && this.less(heap[r]!, heap[smallest]!)) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private swap(i: number, j: number): void {
    const heap = this.heap;
    const a = heap[i]!;
    const b = heap[j]!;
    heap[i] = b;
    heap[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }
}
