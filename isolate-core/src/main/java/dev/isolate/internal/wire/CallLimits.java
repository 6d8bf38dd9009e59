package dev.isolate.internal.wire;

/**
 * The limits of one call, as the worker image applies them: a wall-clock timeout, the address space
 * the child may add to what it inherits ({@code RLIMIT_AS}), its CPU time ({@code RLIMIT_CPU}),
 * zero meaning no limit; and the most bytes its value may take. On the wire: four longs, at the
 * start of a {@link Frame.Call}'s payload and of a spare child's request.
 */
public record CallLimits(
    long timeoutNanos, long nativeMemoryBytes, long cpuSeconds, long maxResultBytes) {
  /** Encoded size. */
  public static final int BYTES = 4 * 8;

  /**
   * What a result pipe carries beside the value: its records and one exception chain. A child that
   * writes more than the value's bound and this is killed.
   */
  public static final long RECORDS_ALLOWANCE = ResultStream.MAX_RECORD_BYTES + 4096;

  public void write(ByteWriter out) {
    out.putLong(timeoutNanos)
        .putLong(nativeMemoryBytes)
        .putLong(cpuSeconds)
        .putLong(maxResultBytes);
  }

  /** Reads the limits at {@code offset}; the worker image and a spare read them in place. */
  public static CallLimits read(byte[] bytes, int offset) throws MalformedException {
    ByteReader in = new ByteReader(bytes, offset, BYTES);
    CallLimits limits = new CallLimits(in.getLong(), in.getLong(), in.getLong(), in.getLong());
    if (limits.timeoutNanos < 0
        || limits.nativeMemoryBytes < 0
        || limits.cpuSeconds < 0
        || limits.maxResultBytes <= 0) {
      throw new MalformedException("negative call limits " + limits);
    }
    return limits;
  }
}
