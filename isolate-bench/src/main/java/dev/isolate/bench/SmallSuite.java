package dev.isolate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.junit.ProcessIsolated;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JUnit suite {@link SuiteBench} runs: {@link #TESTS} small tests, each one or two AssertJ
 * assertions on values it makes itself, as unit tests of plain code are. They are the invocations
 * of four {@code @ParameterizedTest} methods of {@link #CASES_PER_METHOD} arguments each (a string,
 * a list, a sum, a map), so that the suite is compact to write and still has tests of different
 * shapes; each invocation is a test of its own to JUnit, and under {@link ProcessIsolated} runs in
 * a child of its own.
 *
 * <p>The tests are written once, here; {@link Plain} runs them as they are and {@link Isolated}
 * under the isolate extension, with its default settings.
 */
abstract class SmallSuite {
  static final int CASES_PER_METHOD = 50;
  static final int METHODS = 4;
  static final int TESTS = CASES_PER_METHOD * METHODS;

  /** The suite without isolation. */
  static final class Plain extends SmallSuite {}

  /** The same suite, every test body in a forked child. */
  @ProcessIsolated
  static final class Isolated extends SmallSuite {}

  static IntStream cases() {
    return IntStream.rangeClosed(1, CASES_PER_METHOD);
  }

  static Stream<String> words() {
    return cases().mapToObj(i -> "word-" + i);
  }

  @ParameterizedTest
  @MethodSource("words")
  void aWordKeepsItsPrefixAndLength(String word) {
    assertThat(word).startsWith("word-").hasSizeGreaterThan(5);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aListHoldsWhatWasAdded(int size) {
    List<Integer> list = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      list.add(i * i);
    }
    assertThat(list).hasSize(size).contains((size - 1) * (size - 1));
    assertThat(list).first().isEqualTo(0);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aSumIsGauss(int n) {
    assertThat(IntStream.rangeClosed(1, n).sum()).isEqualTo(n * (n + 1) / 2);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void aMapFindsItsKey(int key) {
    Map<Integer, String> map = Map.of(key, "value-" + key, -key, "negated");
    assertThat(map).hasSize(2).containsEntry(key, "value-" + key);
    assertThat(map.get(-key)).isEqualTo("negated");
  }
}
