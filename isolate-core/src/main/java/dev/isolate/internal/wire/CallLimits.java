package dev.isolate.internal.wire;

/**
 * The limits of one call, as the worker image applies them: a wall-clock timeout, the address space
 * the child may add to what it inherits ({@code RLIMIT_AS}), and its CPU time ({@code RLIMIT_CPU}).
 * Zero means no limit. On the wire: three longs, at the start of a {@link Frame.Call}'s payload and
 * of a spare child's request.
 */
public record CallLimits(long timeoutNanos, long nativeMemoryBytes, long cpuSeconds) {
  /** Encoded size. */
  public static final int BYTES = 3 * 8;

  public void write(ByteWriter out) {
    out.putLong(timeoutNanos).putLong(nativeMemoryBytes).putLong(cpuSeconds);
  }

  /** Reads the limits at {@code offset}; the worker image and a spare read them in place. */
  public static CallLimits read(byte[] bytes, int offset) throws MalformedException {
    ByteReader in = new ByteReader(bytes, offset, BYTES);
    CallLimits limits = new CallLimits(in.getLong(), in.getLong(), in.getLong());
    if (limits.timeoutNanos < 0 || limits.nativeMemoryBytes < 0 || limits.cpuSeconds < 0) {
      throw new MalformedException("negative call limits " + limits);
    }
    return limits;
  }
}
