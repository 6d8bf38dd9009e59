package dev.isolate.bench;

import java.util.Arrays;

/**
 * Per-call times in nanoseconds, one per timed call, and the statistics the report shows of them.
 */
final class Samples {
  private final long[] sorted;

  private Samples(long[] sorted) {
    this.sorted = sorted;
  }

  /** The samples in {@code nanos}, which must not be empty; the array is copied. */
  static Samples of(long[] nanos) {
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no samples: a timed run needs at least one call");
    }
    long[] copy = nanos.clone();
    Arrays.sort(copy);
    return new Samples(copy);
  }

  int count() {
    return sorted.length;
  }

  /** The middle sample, or the mean of the two middle ones. */
  long median() {
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** The 99th percentile by nearest rank: with fewer than 100 samples, the largest. */
  long p99() {
    int rank = (int) Math.ceil(0.99 * sorted.length);
    return sorted[Math.max(rank, 1) - 1];
  }
}
