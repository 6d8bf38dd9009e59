package dev.isolate.internal.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an isolator learns from its children, and what it then tells its worker images. */
class ClassLearningTest {
  private final List<String> reported = new ArrayList<>();
  private final ClassLearning learning =
      new ClassLearning(true, (name, rule) -> reported.add(name + ": " + rule));

  @Test
  void everyCallLearnsWhileReportsBringNewClassesThenTwiceAsFewAfterEachThatBringsNone() {
    List<Boolean> asked = new ArrayList<>();
    int[] reports = {0};
    for (int i = 0; i < 40; i++) {
      boolean learn = learning.shouldLearn(String.class);
      asked.add(learn);
      if (learn) {
        // The first three reports bring a class each; later ones nothing.
        int report = reports[0]++;
        learning.learned(String.class, report < 3 ? List.of("Ia.C" + report) : List.of());
      }
    }

    // Calls 0-2 bring classes, 3 brings none (next: 2 apart), 5 none (4), 9 none (8), 17, 33.
    List<Integer> learningCalls = new ArrayList<>();
    for (int i = 0; i < asked.size(); i++) {
      if (asked.get(i)) {
        learningCalls.add(i);
      }
    }
    assertThat(learningCalls).containsExactly(0, 1, 2, 3, 5, 9, 17, 33);
    assertThat(learning.shouldLearn(Integer.class)).as("another class: its own schedule").isTrue();
  }

  @Test
  void aReportThatBringsNewClassesAgainBringsBackLearningOnEveryCall() {
    for (int i = 0; i < 4; i++) {
      assertThat(learning.shouldLearn(String.class)).isTrue();
      learning.learned(String.class, List.of());
      assertThat(learning.shouldLearn(String.class)).isFalse();
      for (int skip = 1; skip < (1 << (i + 1)) - 1; skip++) {
        assertThat(learning.shouldLearn(String.class)).isFalse();
      }
    }
    assertThat(learning.shouldLearn(String.class)).isTrue();
    learning.learned(String.class, List.of("Ia.New"));

    assertThat(learning.shouldLearn(String.class)).isTrue();
  }

  @Test
  void aLostReportDoesNotStopTheLearning() {
    assertThat(learning.shouldLearn(String.class)).isTrue();
    // No report: the child crashed.
    assertThat(learning.shouldLearn(String.class)).isTrue();
  }

  @Test
  void aDisabledLearningNeverAsks() {
    assertThat(new ClassLearning(false, (name, rule) -> {}).shouldLearn(String.class)).isFalse();
  }

  @Test
  void eachShapeIsKeptOnceInTheOrderLearned() {
    learning.learned(String.class, List.of("Ia.B", "Da.C"));
    learning.learned(String.class, List.of("Da.C", "Ia.D"));

    assertThat(learning.shapesFrom(0)).containsExactly("Ia.B", "Da.C", "Ia.D");
    assertThat(learning.shapesFrom(2)).containsExactly("Ia.D");
    assertThat(learning.size()).isEqualTo(3);
  }

  @Test
  void aRefusedClassIsReportedOnceAndNeverToldAgain() {
    learning.learned(String.class, List.of("Ia.Pool", "Ia.Codec"));

    learning.refused("a.Pool", "started 1 thread(s)");
    learning.refused("a.Pool", "started 1 thread(s)");

    assertThat(reported).containsExactly("a.Pool: started 1 thread(s)");
    assertThat(learning.shapesFrom(0)).containsExactly("Ia.Codec");
    assertThat(learning.refusedNames()).containsExactly("a.Pool");
  }

  @Test
  void learningStopsAtItsBound() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= ClassLearning.MAX_CLASSES; i++) {
      many.add("Ia.C" + i);
    }
    learning.learned(String.class, many);

    assertThat(learning.size()).isEqualTo(ClassLearning.MAX_CLASSES);
    assertThat(learning.shouldLearn(String.class)).isFalse();
  }
}
