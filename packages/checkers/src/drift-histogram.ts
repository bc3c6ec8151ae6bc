/**
 * Lateness of scheduled work (actual start - scheduled start) as a fixed
 * bucket histogram: recording is an array increment, so it can stay on for
 * thousands of probes a second. Resolution: 10 us below 1 ms, 100 us below
 * 100 ms, 10 ms below 10 s.
 */

const FINE_LIMIT_US = 1_000;
const MID_LIMIT_US = 100_000;
const COARSE_LIMIT_US = 10_000_000;
const FINE_BUCKETS = FINE_LIMIT_US / 10;
const MID_BUCKETS = (MID_LIMIT_US - FINE_LIMIT_US) / 100;
const COARSE_BUCKETS = (COARSE_LIMIT_US - MID_LIMIT_US) / 10_000;
const BUCKETS = FINE_BUCKETS + MID_BUCKETS + COARSE_BUCKETS + 1;

function bucketOf(us: number): number {
  if (us < FINE_LIMIT_US) return Math.floor(us / 10);
  if (us < MID_LIMIT_US) return FINE_BUCKETS + Math.floor((us - FINE_LIMIT_US) / 100);
  if (us < COARSE_LIMIT_US) return FINE_BUCKETS + MID_BUCKETS + Math.floor((us - MID_LIMIT_US) / 10_000);
  return BUCKETS - 1;
}

/** Upper bound of a bucket in microseconds (what a percentile reports). */
function bucketUpperUs(b: number): number {
  if (b < FINE_BUCKETS) return (b + 1) * 10;
  if (b < FINE_BUCKETS + MID_BUCKETS) return FINE_LIMIT_US + (b - FINE_BUCKETS + 1) * 100;
  if (b < BUCKETS - 1) return MID_LIMIT_US + (b - FINE_BUCKETS - MID_BUCKETS + 1) * 10_000;
  return COARSE_LIMIT_US;
}

export interface DriftSummary {
  count: number;
  /** Starts that came before their scheduled time (the timer's 1 ms slack); counted as 0 us. */
  early: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

export class DriftHistogram {
  private counts = new Uint32Array(BUCKETS);
  private count = 0;
  private early = 0;
  private maxUs = 0;

  record(latenessMs: number): void {
    let us = latenessMs * 1000;
    if (us < 0) {
      this.early++;
      us = 0;
    }
    this.counts[bucketOf(us)]!++;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.early = 0;
    this.maxUs = 0;
  }

  /** Percentile p (0-100) as the upper bound of its bucket, capped at the maximum seen. */
  percentileUs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.min(bucketUpperUs(b), Math.round(this.maxUs));
    }
    return Math.round(this.maxUs);
  }

  summary(): DriftSummary {
    return {
      count: this.count,
      early: this.early,
      p50Us: this.percentileUs(50),
      p90Us: this.percentileUs(90),
      p99Us: this.percentileUs(99),
      p999Us: this.percentileUs(99.9),
      maxUs: Math.round(this.maxUs),
    };
  }
}
