package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * 2 000 calls that each run code the worker image never ran (a fresh class per call, a loop that
 * would get hot, a thread, a new subclass), in 20 fresh worker images, the first calls right after
 * each starts, two callers at once: no call may hang. Run on its own: {@code mvn -Pstress verify}.
 */
@Tag("stress")
@EnabledOnOs(OS.LINUX)
@Timeout(1200)
class ForkSafetyStressIT {
  private static final int WORKER_IMAGES = 20;
  private static final int CALLS_PER_IMAGE = 100;

  /** A call not answered by then is counted as a hang. */
  private static final long HANG_SECONDS = 30;

  /**
   * A class hierarchy the worker image never saw a subclass of: loading one invalidates
   * assumptions.
   */
  abstract static class Shape {
    abstract int area();
  }

  static final class Square extends Shape {
    final int side;

    Square(int side) {
      this.side = side;
    }

    @Override
    int area() {
      return side * side;
    }
  }

  static int freshWork(int seed) throws Exception {
    // A loop that gets hot, a new subclass, a thread, and a lambda class spun up in the child.
    long sum = 0;
    for (int i = 0; i < 20_000; i++) {
      sum += (i ^ seed) % 7;
    }
    Shape shape = new Square(seed % 10);
    int[] fromThread = new int[1];
    Thread thread = new Thread(() -> fromThread[0] = shape.area());
    thread.start();
    thread.join();
    IntUnaryOperator twice = x -> x * 2;
    return (int) (sum % 1000) + fromThread[0] + twice.applyAsInt(seed) - (int) (sum % 1000);
  }

  @Test
  void twoThousandCallsOfFreshCodeNeverHang() throws Exception {
    List<Long> latenciesNanos = new ArrayList<>();
    int hangs = 0;
    int calls = 0;
    for (int image = 0; image < WORKER_IMAGES; image++) {
      try (Isolator isolator = Isolator.builder().forwardChildOutput(false).build()) {
        for (int i = 0; i < CALLS_PER_IMAGE; i += 2) {
          int seed = image * 1000 + i;
          long start = System.nanoTime();
          CompletableFuture<Integer> a = isolator.submit(() -> freshWork(seed));
          CompletableFuture<Integer> b = isolator.submit(() -> freshWork(seed + 1));
          for (CompletableFuture<Integer> call : List.of(a, b)) {
            calls++;
            try {
              int value = call.get(HANG_SECONDS, TimeUnit.SECONDS);
              assertThat(value).isGreaterThanOrEqualTo(0);
            } catch (TimeoutException e) {
              hangs++;
            } catch (ExecutionException e) {
              throw new AssertionError("call " + calls + " failed", e.getCause());
            }
          }
          latenciesNanos.add((System.nanoTime() - start) / 2);
        }
      }
    }
    long[] sorted = latenciesNanos.stream().mapToLong(Long::longValue).sorted().toArray();
    System.out.printf(
        "fork-safety stress on Java %s: %d calls, %d hangs, per-call median %.2f ms, p99 %.2f ms"
            + " (two callers)%n",
        System.getProperty("java.version"),
        calls,
        hangs,
        sorted[sorted.length / 2] / 1e6,
        sorted[(int) (sorted.length * 0.99)] / 1e6);
    assertThat(hangs).isZero();
    assertThat(calls).isEqualTo(WORKER_IMAGES * CALLS_PER_IMAGE);
    assertThat(Arrays.stream(sorted).count()).isPositive();
  }
}
