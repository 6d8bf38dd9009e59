package dev.isolate.bench;

/** Calls completed by {@code threads} callers in {@code nanos}. */
record Throughput(int threads, long calls, long nanos) {
  double perSecond() {
    return calls / (nanos / 1e9);
  }
}
