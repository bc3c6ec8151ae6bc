/**
 * Histogram of how late timers fired, in microseconds. Fixed buckets so that
 * recording is allocation-free on the hot path.
 */
export const LATENESS_BUCKET_BOUNDS_US: readonly number[] = [
  10, 20, 50, 100, 200, 500, 1_000, 1_500, 2_000, 3_000, 5_000, 10_000, 20_000, 50_000, 100_000,
  250_000, 500_000, 1_000_000, Number.POSITIVE_INFINITY,
];

export interface LatenessSnapshot {
  count: number;
  maxUs: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  /** Sample counts per bucket; bucket i holds samples <= LATENESS_BUCKET_BOUNDS_US[i]. */
  buckets: number[];
}

export class LatenessHistogram {
  private readonly counts = new Array<number>(LATENESS_BUCKET_BOUNDS_US.length).fill(0);
  private count = 0;
  private sumUs = 0;
  private maxUs = 0;

  record(lateUs: number): void {
    const late = lateUs < 0 ? 0 : lateUs;
    const bounds = LATENESS_BUCKET_BOUNDS_US;
    let i = 0;
    while (late > bounds[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sumUs += late;
    if (late > this.maxUs) this.maxUs = late;
  }

  /**
   * Upper bound of the bucket holding the p-th percentile sample (p in 0..100);
   * the last bucket reports the observed maximum instead of infinity.
   */
  percentileUs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const bound = LATENESS_BUCKET_BOUNDS_US[i]!;
        return Math.min(bound, this.maxUs);
      }
    }
    return this.maxUs;
  }

  snapshot(): LatenessSnapshot {
    return {
      count: this.count,
      maxUs: this.maxUs,
      meanUs: this.count === 0 ? 0 : this.sumUs / this.count,
      p50Us: this.percentileUs(50),
      p90Us: this.percentileUs(90),
      p99Us: this.percentileUs(99),
      buckets: [...this.counts],
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sumUs = 0;
    this.maxUs = 0;
  }
}

/** keepalived's wording when its scheduler runs a timer late (shared with the checker child). */
export { timerExpiredLateMessage } from '@keepalived-ts/core';
