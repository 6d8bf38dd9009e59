package dev.isolate;

import dev.isolate.internal.wire.ChildRecord;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A caller JVM for {@link FloodIT}, started with a small heap: one child writes to its result pipe
 * without end, another prints one endless line; the caller reports how each call ended and the most
 * heap it ever had in use, sampled every millisecond.
 */
public final class FloodingCaller {
  private FloodingCaller() {}

  private static long used(Runtime memory) {
    return memory.totalMemory() - memory.freeMemory();
  }

  /** Heap in use after the last collection of each pool, summed: what was really held. */
  private static long live() {
    long live = 0;
    for (java.lang.management.MemoryPoolMXBean pool :
        java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP
          && pool.getCollectionUsage() != null) {
        live += pool.getCollectionUsage().getUsed();
      }
    }
    return live;
  }

  public static void main(String[] args) throws Exception {
    Runtime memory = Runtime.getRuntime();
    AtomicLong peak = new AtomicLong();
    AtomicLong peakLive = new AtomicLong();
    Thread sampler =
        new Thread(
            () -> {
              while (true) {
                peak.accumulateAndGet(used(memory), Math::max);
                peakLive.accumulateAndGet(live(), Math::max);
                try {
                  Thread.sleep(1);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    sampler.setDaemon(true);
    sampler.start();
    try (Isolator isolator = Isolator.builder().build()) {
      isolator.execute(() -> 0);
      System.gc();
      long before = used(memory);
      peak.set(before);
      peakLive.set(0);
      try {
        isolator.execute(
            () -> {
              // Value parts of a megabyte, for ever: a child that never stops sending.
              byte[] part = Hostile.record(ChildRecord.VALUE_PART, new byte[1 << 20]);
              int fd = Hostile.resultFd();
              while (true) {
                Hostile.writeAll(fd, part);
              }
            });
        System.out.println("flood: returned");
      } catch (MemIsolateException e) {
        System.out.println("flood: " + e.reason() + ": " + e.getMessage());
      }
      System.out.println(
          "flood peak heap: "
              + (peak.get() >> 20)
              + " MiB in use, "
              + (peakLive.get() >> 20)
              + " MiB live after a collection, before "
              + (before >> 20)
              + " MiB");
      int answer = isolator.execute(() -> 6 * 7);
      System.out.println("after the flood: " + answer);

      System.gc();
      peak.set(used(memory));
      peakLive.set(0);
      int value =
          isolator.execute(
              () -> {
                // 64 MiB on standard output without a newline.
                byte[] chunk = new byte[1 << 20];
                java.util.Arrays.fill(chunk, (byte) 'x');
                for (int i = 0; i < 64; i++) {
                  Hostile.writeAll(1, chunk);
                }
                return 7;
              });
      System.out.println();
      System.out.println("endless line: returned " + value);
      System.out.println(
          "endless line peak heap: "
              + (peak.get() >> 20)
              + " MiB in use, "
              + (peakLive.get() >> 20)
              + " MiB live after a collection");
    }
  }
}
