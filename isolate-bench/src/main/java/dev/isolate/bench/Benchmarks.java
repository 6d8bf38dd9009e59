package dev.isolate.bench;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import dev.isolate.IsolatedCallable;
import dev.isolate.Isolator;
import dev.isolate.Sandbox;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Measures what a call through isolate costs next to its alternatives, all in one run, and writes
 * the tables into {@code docs/BENCHMARKS.md} (between its markers) and to standard output.
 *
 * <p>A plain harness rather than JMH: one run compares in-process calls, isolated calls, a fresh
 * {@code java} process per call and a C program, each with per-call samples (median, p99), and JMH
 * cannot time external processes call by call. Run it from the repository root with {@code mvn -q
 * -DskipTests -Pbench -pl isolate-bench -am package exec:exec} ({@code -Dbench.quick=true} for a
 * short run; see {@link Settings} for the counts).
 */
public final class Benchmarks {
  private static final long MIB = 1024L * 1024;

  /**
   * Heap for the children of the bandwidth and compute runs: a 64 MiB result and its serialized
   * copy.
   */
  private static final long BIG_HEAP_BYTES = 512 * MIB;

  /** In-process calls are timed 100 times as often as isolated ones: they are that much cheaper. */
  private static final int IN_PROCESS_CALLS_PER_ISOLATED_CALL = 100;

  /** Enough for C2 to compile the trivial call path before it is timed. */
  private static final int IN_PROCESS_WARM_UP_CALLS = 100_000;

  private static final int FRESH_JVM_WARM_UP_CALLS = 2;

  /**
   * The pause before each call of the paced runs: an isolator that is not saturated, as most are,
   * whose worker image refills its pre-forked pool between calls.
   */
  static final long PACE_MILLIS = 5;

  private final Settings settings;
  private final IsolatedCallable<Integer> trivial = Workloads.trivial();
  private final Predicate<Integer> isTrivialResult = result -> result == Workloads.TRIVIAL_RESULT;

  private Benchmarks(Settings settings) {
    this.settings = settings;
  }

  /**
   * Runs every benchmark, prints the tables and writes them into the file given by {@code --out=}.
   *
   * @param args {@code --out=<BENCHMARKS.md> --c-source=<fork_floor.c> --build-dir=<directory>
   *     [--quick]}
   */
  public static void main(String[] args) throws Exception {
    Settings settings = Settings.parse(args, System.getProperties());
    String block = new Benchmarks(settings).run();
    System.out.print(block);
    System.out.flush();
    BenchmarksFile.update(settings.out(), block);
  }

  /** Measures everything and returns the Markdown that goes between the file's markers. */
  private String run() throws Exception {
    Table machine = Machine.describe(settings.command());

    Samples inProcess =
        Timing.time(
            trivial::call,
            IN_PROCESS_WARM_UP_CALLS,
            settings.calls() * IN_PROCESS_CALLS_PER_ISOLATED_CALL,
            isTrivialResult,
            "in-process trivial call");
    IsolatedRun poolOff =
        IsolatedRun.measure(settings, "pool off", Isolator.builder().preforkedChildren(0));
    IsolatedRun poolOn = IsolatedRun.measure(settings, "pool on", Isolator.builder());
    IsolatedRun sandboxed;
    Path writable = Files.createTempDirectory("isolate-bench-sandbox");
    try {
      sandboxed =
          IsolatedRun.measure(
              settings,
              "pool on, sandboxed",
              Isolator.builder()
                  .sandbox(
                      Sandbox.builder()
                          .denyNetwork()
                          .readOnlyFileSystem(writable)
                          .denyExec()
                          .build()));
    } finally {
      Files.deleteIfExists(writable);
    }

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    String classPath = System.getProperty("java.class.path");
    Kryo kryo = new Kryo();
    List<String> freshCall =
        List.of(java.toString(), "-cp", classPath, FreshJvmCall.class.getName());
    Samples freshKryo =
        Timing.time(
            () -> kryo.readClassAndObject(new Input(Processes.runToEnd(freshCall))),
            FRESH_JVM_WARM_UP_CALLS,
            settings.freshCalls(),
            result -> Integer.valueOf(Workloads.TRIVIAL_RESULT).equals(result),
            "fresh JVM call");
    List<String> freshHello =
        List.of(java.toString(), "-cp", classPath, FreshJvmHello.class.getName());
    Samples freshPlain =
        Timing.time(
            () -> new String(Processes.runToEnd(freshHello), StandardCharsets.UTF_8),
            FRESH_JVM_WARM_UP_CALLS,
            settings.freshCalls(),
            output -> output.strip().equals(FreshJvmHello.GREETING),
            "fresh JVM hello world");

    long residentMiB = Math.max(1, Math.round((double) poolOff.workerRssBytes() / MIB));
    Optional<ForkFloor> floor = ForkFloor.build(settings.cSource(), settings.buildDir());
    Optional<Samples> cFloor = Optional.empty();
    Optional<Samples> cFloorResident = Optional.empty();
    if (floor.isPresent()) {
      cFloor = Optional.of(floor.get().run(settings.warmUpCalls(), settings.calls(), 0));
      cFloorResident =
          Optional.of(floor.get().run(settings.warmUpCalls(), settings.calls(), residentMiB));
    }

    int computeBytes = Math.toIntExact(settings.computeMiB() * MIB);
    IsolatedCallable<Long> fnv = Workloads.fnv1a(computeBytes);
    IsolatedCallable<Long> crc = Workloads.crc32(computeBytes);
    IsolatedCallable<Integer> fill = Workloads.fill(computeBytes);
    long fnvExpected = fnv.call();
    long crcExpected = crc.call();
    int inProcessComputeCalls = Math.max(settings.computeCalls(), 10);
    int computeWarmUp = settings.quick() ? 2 : 10;
    Samples fnvInProcess =
        Timing.time(
            fnv::call, computeWarmUp, inProcessComputeCalls, h -> h == fnvExpected, "FNV-1a");
    Samples crcInProcess =
        Timing.time(
            crc::call, computeWarmUp, inProcessComputeCalls, h -> h == crcExpected, "CRC32");
    Samples fillInProcess =
        Timing.time(
            fill::call, computeWarmUp, inProcessComputeCalls, n -> n == computeBytes, "fill");

    Samples bandwidth;
    Samples fnvIsolated;
    Samples crcIsolated;
    Samples fillIsolated;
    try (Isolator isolator = Isolator.builder().maxHeapBytes(BIG_HEAP_BYTES).build()) {
      IsolatedCallable<byte[]> big = Workloads.bigResult(Workloads.BIG_RESULT_BYTES);
      bandwidth =
          Timing.time(
              () -> isolator.execute(big),
              1,
              settings.bandwidthCalls(),
              Benchmarks::isBigResult,
              "64 MiB result");
      fnvIsolated =
          Timing.time(
              () -> isolator.execute(fnv),
              1,
              settings.computeCalls(),
              h -> h == fnvExpected,
              "FNV-1a");
      crcIsolated =
          Timing.time(
              () -> isolator.execute(crc),
              1,
              settings.computeCalls(),
              h -> h == crcExpected,
              "CRC32");
      fillIsolated =
          Timing.time(
              () -> isolator.execute(fill),
              1,
              settings.computeCalls(),
              n -> n == computeBytes,
              "fill");
    }

    // Last: the real callables load logback, jnr bindings and JUnit into this JVM.
    String realCallables = new RealCallables(settings).section();

    StringBuilder out = new StringBuilder();
    Cells.section(out, "Machine", null, machine);

    Table latency =
        new Table("what", "calls", "median", "p99")
            .row(Cells.latencyCells("in-process, `callable.call()`", inProcess))
            .row(
                Cells.latencyCells(
                    "isolated, pool off (`preforkedChildren(0)`)", poolOff.trivial()))
            .row(Cells.latencyCells("isolated, pool on (default builder)", poolOn.trivial()))
            .row(
                Cells.latencyCells(
                    "isolated, pool off, calls " + PACE_MILLIS + " ms apart", poolOff.paced()))
            .row(
                Cells.latencyCells(
                    "isolated, pool on, calls " + PACE_MILLIS + " ms apart", poolOn.paced()))
            .row(Cells.latencyCells(SANDBOXED + ", back to back", sandboxed.trivial()))
            .row(
                Cells.latencyCells(
                    SANDBOXED + ", calls " + PACE_MILLIS + " ms apart", sandboxed.paced()))
            .row(
                Cells.latencyCells(
                    "fresh `java` per call, Kryo result (`FreshJvmCall`)", freshKryo))
            .row(
                Cells.latencyCells(
                    "fresh `java` per call, hello world (`FreshJvmHello`)", freshPlain))
            .row(Cells.latencyCells("C fork floor (`fork_floor.c`)", cFloor))
            .row(
                Cells.latencyCells(
                    "C fork floor, parent with " + residentMiB + " MiB resident", cFloorResident));
    Table ratios =
        new Table("comparison", "median", "p99")
            .row(
                Cells.ratioCells(
                    "isolated, pool on, paced: times faster than a fresh JVM with Kryo",
                    freshKryo,
                    poolOn.paced()))
            .row(
                Cells.ratioCells(
                    "isolated, pool on: times faster than a fresh JVM with Kryo",
                    freshKryo,
                    poolOn.trivial()))
            .row(
                Cells.ratioCells(
                    "isolated, pool off: times faster than a fresh JVM with Kryo",
                    freshKryo,
                    poolOff.trivial()))
            .row(
                Cells.ratioCells(
                    "sandboxed divided by not, back to back",
                    sandboxed.trivial(),
                    poolOn.trivial()))
            .row(
                Cells.ratioCells(
                    "sandboxed divided by not, calls " + PACE_MILLIS + " ms apart",
                    sandboxed.paced(),
                    poolOn.paced()))
            .row(
                Cells.ratioCells(
                    "isolated, pool on: times the C fork floor", poolOn.trivial(), cFloor))
            .row(
                Cells.ratioCells(
                    "isolated, pool off: times the C fork floor", poolOff.trivial(), cFloor));
    Cells.section(
        out,
        "1. Trivial call latency",
        String.format(
            Locale.ROOT,
            "Calls one at a time, after warm-up, of a callable that returns the int 42: directly"
                + " (after %,d JIT warm-up calls; the time is mostly `System.nanoTime` itself);"
                + " through an `Isolator` with the pre-forked pool off (a fork per call) and on,"
                + " back to back and again with a pause of %d ms before each call (not timed), the"
                + " pace at which the pool refills between calls, and again with every child in a"
                + " sandbox (network, file writes but to one directory, and exec denied); through a"
                + " new `java` process per call that runs the callable and writes its result with"
                + " Kryo to stdout for the harness to decode, and one that only prints a line; and,"
                + " as the floor, a C program doing pipe, fork, a 4-byte answer and `waitpid`,"
                + " alone and again holding as much touched memory as the pool-off worker image's"
                + " RSS.",
            IN_PROCESS_WARM_UP_CALLS,
            PACE_MILLIS),
        latency,
        ratios);

    Table throughput =
        new Table("what", "calls", "seconds", "calls/s")
            .row(Cells.throughputCells("isolated, pool off", poolOff.oneThread()))
            .row(Cells.throughputCells("isolated, pool off", poolOff.manyThreads()))
            .row(Cells.throughputCells("isolated, pool on", poolOn.oneThread()))
            .row(Cells.throughputCells("isolated, pool on", poolOn.manyThreads()))
            .row(Cells.throughputCells(SANDBOXED, sandboxed.oneThread()))
            .row(Cells.throughputCells(SANDBOXED, sandboxed.manyThreads()));
    Cells.section(
        out,
        "2. Throughput",
        String.format(
            Locale.ROOT,
            "Callers sharing one `Isolator`, each calling `execute` with the trivial callable in a"
                + " loop for %s s after %s s of warm-up; the rate counts until the last call in"
                + " flight has returned.",
            trimmed(settings.seconds()),
            trimmed(IsolatedRun.warmUpSeconds(settings))),
        throughput);

    double megabytes = Workloads.BIG_RESULT_BYTES / 1e6;
    Table bandwidthTable =
        new Table("what", "calls", "median", "p99", "MB/s")
            .row(
                "isolated, 64 MiB `byte[]` result",
                Integer.toString(bandwidth.count()),
                Format.duration(bandwidth.median()),
                Format.duration(bandwidth.p99()),
                Format.rate(megabytes / (bandwidth.median() / 1e9)));
    Cells.section(
        out,
        "3. Result bandwidth",
        "A callable that allocates a 64 MiB `byte[]` in the child and returns it (`maxHeapBytes`"
            + " 512 MiB, pool on): the time from `execute` to the array in the caller, and 64 MiB"
            + " (67.1 MB) divided by the median.",
        bandwidthTable);

    Table rss =
        new Table("what", "RSS")
            .row(
                "worker image after the trivial calls, pool off",
                Format.mib(poolOff.workerRssBytes()))
            .row(
                "worker image after the trivial calls, pool on",
                Format.mib(poolOn.workerRssBytes()));
    Cells.section(
        out,
        "4. Worker image RSS",
        "`VmRSS` in `/proc/<pid>/status` of the worker image (the child of the benchmark JVM"
            + " running `WorkerMain`), read right after the trivial-call latency run. Pre-forked"
            + " children share its pages copy-on-write and are not counted.",
        rss);

    String size = settings.computeMiB() + " MiB";
    Table compute =
        new Table("what", "calls", "median", "p99")
            .row(Cells.latencyCells("FNV-1a over " + size + ", in-process (JIT)", fnvInProcess))
            .row(
                Cells.latencyCells("FNV-1a over " + size + ", isolated (interpreter)", fnvIsolated))
            .row(Cells.latencyCells("CRC32 over " + size + ", in-process", crcInProcess))
            .row(Cells.latencyCells("CRC32 over " + size + ", isolated", crcIsolated))
            .row(Cells.latencyCells("fill only, " + size + ", in-process", fillInProcess))
            .row(Cells.latencyCells("fill only, " + size + ", isolated", fillIsolated));
    Table computeRatios =
        new Table("comparison", "median", "p99")
            .row(
                Cells.ratioCells(
                    "FNV-1a: isolated divided by in-process", fnvIsolated, fnvInProcess))
            .row(
                Cells.ratioCells(
                    "CRC32: isolated divided by in-process", crcIsolated, crcInProcess));
    Cells.section(
        out,
        "5. Java compute in the child",
        "A callable that fills "
            + size
            + " itself (a 4 KiB pattern doubled with `System.arraycopy`) and hashes it with 64-bit"
            + " FNV-1a in a plain Java loop, timed in-process after JIT warm-up and isolated, where"
            + " the child runs it in the interpreter; then the same bytes through"
            + " `java.util.zip.CRC32`, whose work is native code, to show what native code costs in"
            + " the child. Isolated times include the call itself (fork or pool, 8-byte result);"
            + " the fill-only rows show what allocating and filling the bytes costs on each side,"
            + " the child's heap pages being touched for the first time.",
        compute,
        computeRatios);
    out.append(realCallables);
    return out.toString();
  }

  private static final String SANDBOXED =
      "isolated, pool on, sandboxed (`denyNetwork`, `readOnlyFileSystem`, `denyExec`)";

  private static boolean isBigResult(byte[] result) {
    int length = Workloads.BIG_RESULT_BYTES;
    return result.length == length
        && result[0] == 1
        && result[length / 2] == 2
        && result[length - 1] == 3;
  }

  /** Seconds with at most two decimals and no trailing zeros: 3, 0.3, 0.1. */
  private static String trimmed(double seconds) {
    return BigDecimal.valueOf(seconds)
        .setScale(2, RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }
}
