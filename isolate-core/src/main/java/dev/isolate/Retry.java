package dev.isolate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Runs an isolated call again when its failure says that may be done: a call that {@link
 * Category#DID_NOT_EXECUTE did not execute} is always safe to retry; one that {@link
 * Category#EXECUTED executed} or whose {@link Category#STATUS_UNKNOWN status is unknown} only if
 * the callable is idempotent, which only its author knows.
 *
 * <pre>{@code
 * Retry retry = Retry.notIdempotent()
 *     .attempts(5)
 *     .backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
 * Receipt receipt = retry.execute(isolator, () -> payments.charge(order)); // never charged twice
 *
 * Report report = Retry.idempotent()
 *     .execute(isolator, () -> parser.parse(bytes)); // a crash is retried
 * }</pre>
 *
 * <p>Between attempts it sleeps, doubling the pause from the first up to the largest. A thread
 * interrupted while it sleeps stops retrying: it gets the last failure, with its interrupt status
 * set again. A call {@link Reason#CANCELLED cancelled} by an interrupt is never retried. When the
 * attempts run out, the last failure is thrown with the earlier ones {@linkplain
 * Throwable#getSuppressed() suppressed} in it. Mistakes of the caller ({@code
 * NullPointerException}, {@code IllegalStateException} for a closed isolator) are not retried.
 * Immutable and thread-safe: each {@code with} method returns a new {@code Retry}.
 */
public final class Retry {
  private static final BiConsumer<Integer, MemIsolateException> NO_LISTENER =
      (attempt, failure) -> {};

  private final boolean idempotent;
  private final int attempts;
  private final Duration firstPause;
  private final Duration maxPause;
  private final BiConsumer<Integer, MemIsolateException> onRetry;
  private final Sleeper sleeper;

  /** How a pause is taken: {@link Thread#sleep} in production; tests record the pauses instead. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration pause) throws InterruptedException;
  }

  private Retry(
      boolean idempotent,
      int attempts,
      Duration firstPause,
      Duration maxPause,
      BiConsumer<Integer, MemIsolateException> onRetry,
      Sleeper sleeper) {
    this.idempotent = idempotent;
    this.attempts = attempts;
    this.firstPause = firstPause;
    this.maxPause = maxPause;
    this.onRetry = onRetry;
    this.sleeper = sleeper;
  }

  /**
   * For a callable that may run more than once with the same effect: every failure is retried (but
   * for {@link Reason#CANCELLED}). Defaults: 3 attempts, pauses of 100 ms doubling up to 2 s.
   */
  public static Retry idempotent() {
    return new Retry(
        true, 3, Duration.ofMillis(100), Duration.ofSeconds(2), NO_LISTENER, Retry::sleep);
  }

  /**
   * For a callable that must not run twice: only failures in which it {@linkplain
   * Category#DID_NOT_EXECUTE did not execute} are retried. Defaults as {@link #idempotent()}.
   */
  public static Retry notIdempotent() {
    return new Retry(
        false, 3, Duration.ofMillis(100), Duration.ofSeconds(2), NO_LISTENER, Retry::sleep);
  }

  /**
   * How many times the call is made at most, the first included.
   *
   * @throws IllegalArgumentException if {@code count} is below 1
   */
  public Retry attempts(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("attempts must be at least 1, got " + count);
    }
    return new Retry(idempotent, count, firstPause, maxPause, onRetry, sleeper);
  }

  /**
   * The pause before the first retry, doubled before each next one, up to {@code max}.
   *
   * @throws IllegalArgumentException if {@code first} is negative or {@code max} is below it
   */
  public Retry backoff(Duration first, Duration max) {
    Objects.requireNonNull(first, "first");
    Objects.requireNonNull(max, "max");
    if (first.isNegative() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 0 <= first <= max, got first " + first + ", max " + max);
    }
    return new Retry(idempotent, attempts, first, max, onRetry, sleeper);
  }

  /**
   * Called before each retry with the number of the attempt that failed (1 for the first) and its
   * failure: for logs and metrics. It runs on the calling thread; what it throws ends the retries.
   */
  public Retry onRetry(BiConsumer<Integer, MemIsolateException> listener) {
    return new Retry(
        idempotent,
        attempts,
        firstPause,
        maxPause,
        Objects.requireNonNull(listener, "listener"),
        sleeper);
  }

  private static void sleep(Duration pause) throws InterruptedException {
    Thread.sleep(pause.toMillis());
  }

  /** For tests: how pauses are taken. */
  Retry sleeper(Sleeper replacement) {
    return new Retry(
        idempotent,
        attempts,
        firstPause,
        maxPause,
        onRetry,
        Objects.requireNonNull(replacement, "replacement"));
  }

  private static MemIsolateException withEarlier(
      MemIsolateException last, List<MemIsolateException> earlier) {
    for (MemIsolateException failure : earlier) {
      last.addSuppressed(failure);
    }
    return last;
  }

  /** Whether {@code failure} may be retried under this policy, attempts aside. */
  public boolean allowsRetryOf(MemIsolateException failure) {
    if (failure.reason() == Reason.CANCELLED) {
      return false;
    }
    return failure.category() == Category.DID_NOT_EXECUTE || idempotent;
  }

  /**
   * Runs {@code callable} with {@link Isolator#execute(IsolatedCallable)}, again after each failure
   * this policy allows, until it returns or the attempts run out.
   *
   * @throws MemIsolateException the failure that was not retried, or the last one, with the earlier
   *     failures suppressed in it
   */
  public <T> T execute(Isolator isolator, IsolatedCallable<T> callable) throws MemIsolateException {
    Objects.requireNonNull(isolator, "isolator");
    Objects.requireNonNull(callable, "callable");
    List<MemIsolateException> earlier = new ArrayList<>();
    Duration pause = firstPause;
    for (int attempt = 1; ; attempt++) {
      try {
        return isolator.execute(callable);
      } catch (MemIsolateException failure) {
        if (attempt >= attempts || !allowsRetryOf(failure)) {
          throw withEarlier(failure, earlier);
        }
        onRetry.accept(attempt, failure);
        try {
          sleeper.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw withEarlier(failure, earlier);
        }
        earlier.add(failure);
        Duration doubled = pause.multipliedBy(2);
        pause = doubled.compareTo(maxPause) > 0 ? maxPause : doubled;
      }
    }
  }
}
