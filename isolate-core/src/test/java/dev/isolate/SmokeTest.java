package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SmokeTest {
  @Test
  void smoke() throws Exception {
    try (Isolator isolator = Isolator.builder().build()) {
      long t = System.nanoTime();
      int v = isolator.execute(() -> 6 * 7);
      System.out.println("first " + (System.nanoTime() - t) / 1e6);
      assertThat(v).isEqualTo(42);
      for (int i = 0; i < 5; i++) {
        t = System.nanoTime();
        int k = i;
        assertThat(isolator.execute(() -> k * 2)).isEqualTo(2 * i);
        System.out.println("call " + (System.nanoTime() - t) / 1e6);
      }
      try { isolator.execute(() -> Libc.segfault()); } catch (MemIsolateException e) { System.out.println("SEGV: " + e + " " + e.crashReport()); }
      try { isolator.execute(() -> { System.exit(3); return 1; }); } catch (MemIsolateException e) { System.out.println("EXIT: " + e); }
      try { isolator.execute(() -> { Runtime.getRuntime().halt(4); return 1; }); } catch (MemIsolateException e) { System.out.println("HALT: " + e); }
      try { isolator.execute(() -> { throw new IllegalStateException("boom"); }); } catch (MemIsolateException e) { System.out.println("THREW: " + e + " cause " + e.getCause()); e.getCause().printStackTrace(System.out); }
    }
  }
}
