package dev.isolate.internal.host;

/**
 * The limits of one call, as the worker image applies them: a wall-clock timeout, the address space
 * the child may add to what it inherits ({@code RLIMIT_AS}), and its CPU time ({@code RLIMIT_CPU}).
 * Zero means no limit.
 */
public record CallLimits(long timeoutNanos, long nativeMemoryBytes, long cpuSeconds) {
  public static final CallLimits NONE = new CallLimits(0, 0, 0);
}
