package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** A child's leaks and heap exhaustion cost the caller nothing. */
@EnabledOnOs(OS.LINUX)
@Timeout(300)
class MemoryIsolationIT {
  private static final long GIB = 1024L * 1024 * 1024;
  private static final long MIB = 1024L * 1024;

  @Test
  void nativeLeaksAndHeapExhaustionInChildrenLeaveTheCallersMemoryAlone() throws Exception {
    try (Isolator isolator =
        Isolator.builder().maxHeapBytes(256 * MIB).forwardChildOutput(false).build()) {
      isolator.execute(() -> 0); // the worker image is up before measuring
      long before = ProcessTable.residentBytes();

      for (int i = 0; i < 20; i++) {
        // 1 GiB of malloc'd, touched memory, never freed: resident in the child only.
        long address = isolator.execute(() -> Libc.leakNative(GIB));
        assertThat(address).isNotZero();

        assertThatThrownBy(
                () ->
                    isolator.execute(
                        () -> {
                          java.util.List<byte[]> hog = new java.util.ArrayList<>();
                          while (true) {
                            hog.add(new byte[8 * 1024 * 1024]);
                          }
                        }))
            .isInstanceOfSatisfying(
                CallableExecutedException.class,
                e -> {
                  assertThat(e.reason()).isEqualTo(Reason.CALLABLE_THREW);
                  assertThat(e.getCause()).isInstanceOf(OutOfMemoryError.class);
                });
      }

      long growth = ProcessTable.residentBytes() - before;
      assertThat(growth).as("caller RSS growth in bytes").isLessThan(50 * MIB);
    }
  }
}
