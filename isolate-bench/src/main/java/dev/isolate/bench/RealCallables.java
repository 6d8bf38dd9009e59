package dev.isolate.bench;

import dev.isolate.IsolatedCallable;
import dev.isolate.Isolator;
import dev.isolate.examples.jni.CrashyJni;
import dev.isolate.examples.jni.LibraryPath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * The report's section on real callables ({@link RealWorkloads}): what a logging class, a jnr-ffi
 * binding, a JNI call and an AssertJ test body cost per call, in their first call and after it, on
 * two isolators side by side, one with {@code learnClasses(false)} and one with the default
 * builder, so that what the worker image's learning saves shows row by row; then a JUnit suite of
 * small tests run plain and under the isolate extension ({@link SuiteBench}).
 *
 * <p>The trivial callable comes first, for scale, and again after the real ones: a worker image
 * that learns keeps what it learnt, and a bigger worker image makes every fork dearer.
 */
final class RealCallables {
  static final String TITLE = "6. Real callables";

  /** What the JNI row's cells say when isolate-examples has not built its library. */
  static final String JNI_SKIPPED =
      Outcome.SKIPPED + System.mapLibraryName(CrashyJni.LIBRARY) + " not on java.library.path";

  private static final long PACE_MILLIS = Benchmarks.PACE_MILLIS;

  /** The cells of one side of a row: calls, first call, median, p99. */
  private static final int CELLS_PER_SIDE = 4;

  private static final int SUITE_CELLS = 6;

  private final Settings settings;

  RealCallables(Settings settings) {
    this.settings = settings;
  }

  /**
   * A callable to time: its row's name, its name in the ratios (which only the real callables
   * have), what its every result must satisfy, whether a pause comes before each of its calls, and
   * why it cannot run here, if it cannot.
   */
  record Row<T>(
      String what,
      String shortName,
      IsolatedCallable<T> callable,
      Predicate<T> expected,
      boolean paced,
      Optional<String> skipped) {}

  /** A row's first call on one isolator, timed alone, and the calls after it. */
  record CallTimes(long firstNanos, Samples after) {}

  /** A row's outcomes on both isolators. */
  private record Result(Row<?> row, Outcome<CallTimes> off, Outcome<CallTimes> on) {}

  /** Measures the section and returns its Markdown. */
  String section() throws Exception {
    long caller = ProcessHandle.current().pid();
    Optional<String> noJni =
        LibraryPath.find(CrashyJni.LIBRARY).isPresent()
            ? Optional.empty()
            : Optional.of(JNI_SKIPPED);
    List<Row<?>> before =
        List.of(
            trivial("`() -> 42`, back to back", false),
            trivial("`() -> 42`, calls " + PACE_MILLIS + " ms apart", true));
    List<Row<?>> real =
        List.of(
            new Row<>(
                "SLF4J + logback: one `LOG.info` line",
                "SLF4J + logback",
                RealWorkloads.Logging.logOneLine(),
                Boolean.TRUE::equals,
                true,
                Optional.empty()),
            new Row<>(
                "jnr-ffi: libc `getpid()` through a `static final` binding",
                "jnr-ffi",
                RealWorkloads.NativeBinding.getpid(),
                pid -> pid > 0 && pid != caller,
                true,
                Optional.empty()),
            new Row<>(
                "JNI: `CrashyJni.sumOfSquares(" + RealWorkloads.Jni.N + ")` (libcrashy.so)",
                "JNI",
                RealWorkloads.Jni.sumOfSquares(),
                sum -> sum == RealWorkloads.Jni.expected(),
                true,
                noJni),
            new Row<>(
                "AssertJ: a test body of two assertions",
                "AssertJ",
                RealWorkloads.TestBody.twoAssertions(),
                Boolean.TRUE::equals,
                true,
                Optional.empty()));
    Row<?> after =
        trivial("`() -> 42`, calls " + PACE_MILLIS + " ms apart, after the real callables", true);

    List<Result> results = new ArrayList<>();
    List<Result> realResults = new ArrayList<>();
    Table workers;
    try (LearningSide off =
            LearningSide.start(
                "learning off", builder().learnClasses(false), settings.realCallsLearningOff());
        LearningSide on =
            LearningSide.start("learning on", builder(), settings.realCallsLearningOn())) {
      for (Row<?> row : before) {
        results.add(measure(row, off, on));
      }
      for (Row<?> row : real) {
        Result result = measure(row, off, on);
        realResults.add(result);
        results.add(result);
      }
      results.add(measure(after, off, on));
      workers =
          new Table("worker image", "learning off", "learning on")
              .row(
                  "start-up and its first call (`() -> true`), from `build()`",
                  Format.duration(off.startNanos),
                  Format.duration(on.startNanos))
              .row(
                  "RSS after its first call",
                  Format.mib(off.startRssBytes),
                  Format.mib(on.startRssBytes))
              .row("RSS after the real callables", off.rssNowCell(), on.rssNowCell());
    }

    // Untimed: loads and compiles JUnit's own classes for both timed runs.
    SuiteBench.run(SmallSuite.Plain.class, SmallSuite.TESTS);
    Outcome<SuiteBench.SuiteRun> plain = SuiteBench.run(SmallSuite.Plain.class, SmallSuite.TESTS);
    Outcome<SuiteBench.SuiteRun> isolated =
        SuiteBench.run(SmallSuite.Isolated.class, SmallSuite.TESTS);

    StringBuilder out = new StringBuilder();
    Cells.section(out, TITLE, callablesParagraph(), callables(results), ratios(realResults));
    Cells.paragraph(
        out,
        "The worker images of the two isolators: the time from `build()` to the value of their"
            + " start-up call, and their `VmRSS` after it and after the real callables (a worker"
            + " image keeps what it learns, and each fork copies its page tables).",
        workers);
    Cells.paragraph(out, suiteParagraph(), suite(plain, isolated));
    return out.toString();
  }

  private static Isolator.Builder builder() {
    return Isolator.builder().forwardChildOutput(false);
  }

  private static Row<Integer> trivial(String what, boolean paced) {
    return new Row<>(
        what,
        "`() -> 42`",
        Workloads.trivial(),
        value -> value == Workloads.TRIVIAL_RESULT,
        paced,
        Optional.empty());
  }

  private static <T> Result measure(Row<T> row, LearningSide off, LearningSide on)
      throws InterruptedException {
    if (row.skipped().isPresent()) {
      Outcome<CallTimes> skipped = new Outcome.NotMeasured<>(row.skipped().get());
      return new Result(row, skipped, skipped);
    }
    return new Result(row, attempt(row, off), attempt(row, on));
  }

  /**
   * The row measured on {@code side}, or, if a call fails or returns a wrong result, that failure,
   * printed in full on standard error: the other rows and the other isolator are still measured.
   */
  static <T> Outcome<CallTimes> attempt(Row<T> row, LearningSide side) throws InterruptedException {
    try {
      return Outcome.measured(time(row, side));
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      System.err.println("isolate-bench: " + row.what() + ", " + side.name + ", failed:");
      e.printStackTrace();
      return Outcome.failed(e);
    }
  }

  /**
   * Times the row's first call on {@code side} alone, then its other calls one at a time; a paced
   * row pauses before each call, the first included, without timing the pause.
   */
  private static <T> CallTimes time(Row<T> row, LearningSide side) throws Exception {
    String what = row.what() + ", " + side.name;
    Callable<T> call = () -> side.isolator.execute(row.callable());
    if (row.paced()) {
      Thread.sleep(PACE_MILLIS);
    }
    long start = System.nanoTime();
    T result = call.call();
    long firstNanos = System.nanoTime() - start;
    Timing.check(result, row.expected(), what + ", first call");
    Samples after =
        row.paced()
            ? Timing.timePaced(call, side.calls, PACE_MILLIS, row.expected(), what)
            : Timing.time(call, 0, side.calls, row.expected(), what);
    return new CallTimes(firstNanos, after);
  }

  private static Table callables(List<Result> results) {
    Table table =
        new Table(
            "callable",
            "calls (off)",
            "first call (off)",
            "median (off)",
            "p99 (off)",
            "calls (on)",
            "first call (on)",
            "median (on)",
            "p99 (on)");
    for (Result result : results) {
      List<String> cells = new ArrayList<>(List.of(result.row().what()));
      cells.addAll(callCells(result.off()));
      cells.addAll(callCells(result.on()));
      table.row(cells.toArray(String[]::new));
    }
    return table;
  }

  /** Calls, first call, median and p99 on one isolator, or why there are none. */
  static List<String> callCells(Outcome<CallTimes> outcome) {
    return outcome.cells(
        times ->
            List.of(
                Integer.toString(times.after().count()),
                Format.duration(times.firstNanos()),
                Format.duration(times.after().median()),
                Format.duration(times.after().p99())),
        CELLS_PER_SIDE);
  }

  /** Learning off divided by learning on, for each real callable. */
  private static Table ratios(List<Result> real) {
    Table table = new Table("learning off divided by learning on", "first call", "median", "p99");
    for (Result result : real) {
      String name = result.row().shortName() + ": off / on";
      if (result.off() instanceof Outcome.Measured<CallTimes> measuredOff
          && result.on() instanceof Outcome.Measured<CallTimes> measuredOn) {
        CallTimes off = measuredOff.figures();
        CallTimes on = measuredOn.figures();
        table.row(
            name,
            Format.ratio((double) off.firstNanos() / on.firstNanos()),
            Format.ratio((double) off.after().median() / on.after().median()),
            Format.ratio((double) off.after().p99() / on.after().p99()));
      } else {
        String why = Outcome.whyNot(result.off(), result.on());
        table.row(name, why, why, why);
      }
    }
    return table;
  }

  /**
   * The suite's two runs and their difference, isolated minus plain; a run that failed has why in
   * its cells, and so has the difference.
   */
  static Table suite(Outcome<SuiteBench.SuiteRun> plain, Outcome<SuiteBench.SuiteRun> isolated) {
    Table table =
        new Table(
            "JUnit suite", "tests", "total", "per test", "median test", "p99 test", "first test");
    table.row(suiteRow("plain JUnit", plain.cells(RealCallables::suiteCells, SUITE_CELLS)));
    table.row(
        suiteRow(
            "`@ProcessIsolated` on the class",
            isolated.cells(RealCallables::suiteCells, SUITE_CELLS)));
    List<String> difference =
        plain instanceof Outcome.Measured<SuiteBench.SuiteRun> measuredPlain
                && isolated instanceof Outcome.Measured<SuiteBench.SuiteRun> measuredIsolated
            ? differenceCells(measuredPlain.figures(), measuredIsolated.figures())
            : Collections.nCopies(SUITE_CELLS, Outcome.whyNot(isolated, plain));
    return table.row(suiteRow("`@ProcessIsolated` minus plain", difference));
  }

  /** Isolated minus plain, cell by cell. */
  private static List<String> differenceCells(
      SuiteBench.SuiteRun plain, SuiteBench.SuiteRun isolated) {
    return List.of(
        Integer.toString(isolated.tests()),
        Format.duration(isolated.totalNanos() - plain.totalNanos()),
        Format.duration(isolated.nanosPerTest() - plain.nanosPerTest()),
        Format.duration(isolated.perTest().median() - plain.perTest().median()),
        Format.duration(isolated.perTest().p99() - plain.perTest().p99()),
        Format.duration(isolated.firstTestNanos() - plain.firstTestNanos()));
  }

  private static String[] suiteRow(String what, List<String> cells) {
    List<String> row = new ArrayList<>(List.of(what));
    row.addAll(cells);
    return row.toArray(String[]::new);
  }

  private static List<String> suiteCells(SuiteBench.SuiteRun run) {
    return List.of(
        Integer.toString(run.tests()),
        Format.duration(run.totalNanos()),
        Format.duration(run.nanosPerTest()),
        Format.duration(run.perTest().median()),
        Format.duration(run.perTest().p99()),
        Format.duration(run.firstTestNanos()));
  }

  private String callablesParagraph() {
    return String.format(
        Locale.ROOT,
        "Callables that applications and test suites hand to an isolator, each a lambda of a class"
            + " of its own (`RealWorkloads`), run on two isolators side by side: one built with"
            + " `learnClasses(false)` (off) and one with the default, learning on (on); both with"
            + " `forwardChildOutput(false)` and the pre-forked pool on, their worker images started"
            + " first by a call of `() -> true` (below). On each isolator a callable's first call"
            + " is timed alone, then the calls after it one at a time, %d with learning off and %d"
            + " with it on (a logging call costs the first side the most), each after a pause of %d"
            + " ms that is not timed (the first call too), and for `() -> 42` also back to back."
            + " The rows: `() -> 42`, for scale; a lambda of a class with `private static final"
            + " Logger LOG = LoggerFactory.getLogger(...)` (SLF4J 2.0 and logback 1.5, whose"
            + " `logback.xml` logs to the console) that logs one line at INFO; libc's `getpid()`"
            + " through a jnr-ffi binding, `LibraryLoader.create(Libc.class).load(\"c\")`, in a"
            + " `static final` field of the lambda's class; `CrashyJni.sumOfSquares(%d)`, a JNI"
            + " call into the `libcrashy.so` of isolate-examples, found on `java.library.path`"
            + " (skipped when it is not there); the body of a unit test,"
            + " `assertThat(list).hasSize(3).contains(...)` and"
            + " `assertThat(string).startsWith(...)` (AssertJ); and `() -> 42` again, after all of"
            + " them, on the worker images they leave. Every result is checked: logback at INFO is"
            + " SLF4J's logger, the pid is not the caller's, the sum is right; a call that fails"
            + " has `failed:` and its reason in its cells. Below them, learning off divided by"
            + " learning on: above 1, learning made the call faster.",
        settings.realCallsLearningOff(),
        settings.realCallsLearningOn(),
        PACE_MILLIS,
        RealWorkloads.Jni.N);
  }

  private static String suiteParagraph() {
    return String.format(
        Locale.ROOT,
        "A JUnit suite of %d small tests (`SmallSuite`: the invocations of %d `@ParameterizedTest`"
            + " methods of %d arguments each, one or two AssertJ assertions per test on values it"
            + " makes), run through the JUnit Platform Launcher in the benchmark's JVM: plain, and"
            + " with `@ProcessIsolated` on the class, where the extension, with its default"
            + " settings, starts one worker image at the first test and stops it when the run"
            + " ends. The plain suite runs once untimed before both, so that JUnit's own classes"
            + " are loaded and compiled for both timed runs. Total: the launcher's `execute`, start"
            + " to end; per test: total divided by %d; median, p99 and first test: each test from"
            + " JUnit's start event to its finish event (the first test includes starting the"
            + " worker image). A run whose tests did not all pass has `failed:` and how many passed"
            + " in its cells.",
        SmallSuite.TESTS,
        SmallSuite.METHODS,
        SmallSuite.CASES_PER_METHOD,
        SmallSuite.TESTS);
  }
}
