package dev.isolate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.IsolatedCallable;
import dev.isolate.Isolator;
import dev.isolate.junit.ProcessIsolated;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real callable or an isolated suite that fails costs its own cells and not the run: its cells
 * say why, and none of them passes for a number in {@link BenchmarksIT}.
 */
@Timeout(120)
class RealCallablesIT {
  private static final String THREW = Outcome.FAILED + "CALLABLE_THREW (AssertionError)";
  private static final String WRONG_RESULT = Outcome.FAILED + "UnexpectedResultException";

  @Test
  void aCallableThatThrowsOrAnswersWronglyHasWhyInItsCellsAndTheIsolatorGoesOn() throws Exception {
    try (LearningSide side =
        LearningSide.start("learning on", Isolator.builder().forwardChildOutput(false), 2)) {
      List<String> threw = cells(side, "throws", failingAssertion(), true);
      List<String> wrong = cells(side, "answers 41", Workloads.trivial(), 41);
      List<String> right = cells(side, "answers 42", Workloads.trivial(), Workloads.TRIVIAL_RESULT);

      assertThat(threw).hasSize(4).containsOnly(THREW);
      assertThat(wrong).hasSize(4).containsOnly(WRONG_RESULT);
      assertThat(right).first().isEqualTo("2");
      assertThat(right).allMatch(cell -> BenchmarksIT.NUMBER.matcher(cell).matches());
    }
    assertThat(List.of(THREW, WRONG_RESULT)).noneMatch(BenchmarksIT.NUMBER.asMatchPredicate());
  }

  @Test
  void anIsolatedSuiteWithAFailingTestHasWhyInItsRowAndInTheDifference() {
    Outcome<SuiteBench.SuiteRun> plain = SuiteBench.run(PassingPair.class, 2);
    Outcome<SuiteBench.SuiteRun> isolated = SuiteBench.run(IsolatedPairWithAFailure.class, 2);

    Map<String, List<String>> rows = rows(RealCallables.suite(plain, isolated).render());

    String why = Outcome.FAILED + "1 of 2 tests passed, 2 expected";
    assertThat(rows.get("plain JUnit")).allMatch(BenchmarksIT.NUMBER.asMatchPredicate());
    assertThat(rows.get("`@ProcessIsolated` on the class")).hasSize(6).containsOnly(why);
    assertThat(rows.get("`@ProcessIsolated` minus plain")).hasSize(6).containsOnly(why);
  }

  private static <T> List<String> cells(
      LearningSide side, String what, IsolatedCallable<T> callable, T expected) throws Exception {
    RealCallables.Row<T> row =
        new RealCallables.Row<>(what, what, callable, expected::equals, false, Optional.empty());
    return RealCallables.callCells(RealCallables.attempt(row, side));
  }

  private static IsolatedCallable<Boolean> failingAssertion() {
    return () -> {
      throw new AssertionError("a real callable that fails");
    };
  }

  /** The body rows of a rendered table, keyed by their first cell. */
  private static Map<String, List<String>> rows(String table) {
    return table
        .lines()
        .skip(2)
        .map(line -> Stream.of(line.split("\\|")).skip(1).map(String::strip).toList())
        .collect(Collectors.toMap(cells -> cells.get(0), cells -> cells.subList(1, cells.size())));
  }

  /** Two passing tests, run plain. */
  static class PassingPair {
    @Test
    void addsUp() {
      assertThat(1 + 1).isEqualTo(2);
    }

    @Test
    void concatenates() {
      assertThat("a" + "b").isEqualTo("ab");
    }
  }

  /** The same two tests in forked children, one of them failing there. */
  @ProcessIsolated
  static class IsolatedPairWithAFailure {
    @Test
    void addsUp() {
      assertThat(1 + 1).isEqualTo(2);
    }

    @Test
    void failsInItsChild() {
      assertThat("a" + "b").isEqualTo("ba");
    }
  }
}
