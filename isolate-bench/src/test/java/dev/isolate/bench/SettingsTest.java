package dev.isolate.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** How the harness reads its counts: defaults, quick mode, and what the pom passes through. */
class SettingsTest {
  private static final String[] ARGS = {"--out=out.md", "--c-source=floor.c", "--build-dir=build"};

  @Test
  void aFullRunTimesFewerRealCallsWithoutLearningThanWithIt() {
    Settings settings = Settings.parse(ARGS, new Properties());

    assertThat(settings.quick()).isFalse();
    assertThat(settings.realCallsLearningOff())
        .isEqualTo(Settings.DEFAULT_REAL_CALLS_LEARNING_OFF)
        .isEqualTo(50);
    assertThat(settings.realCallsLearningOn())
        .isEqualTo(Settings.DEFAULT_REAL_CALLS_LEARNING_ON)
        .isEqualTo(200);
    assertThat(settings.calls()).isEqualTo(1000);
    assertThat(settings.command()).isEqualTo(Settings.COMMAND);
    assertThat(settings.out()).isEqualTo(Path.of("out.md").toAbsolutePath());
  }

  @Test
  void theQuickRunTimesAFewCallsOfEachRealCallable() {
    Settings settings = Settings.parse(ARGS, properties("bench.quick", "true"));

    assertThat(settings.realCallsLearningOff()).isEqualTo(2);
    assertThat(settings.realCallsLearningOn()).isEqualTo(3);
    assertThat(settings.calls()).isEqualTo(20);
    assertThat(settings.command()).isEqualTo(Settings.COMMAND + " -Dbench.quick=true");
  }

  @Test
  void aBlankPropertyMeansTheDefault() {
    // The pom passes every property, set or not: -Dbench.realCallsLearningOff= with nothing after.
    Settings settings = Settings.parse(ARGS, properties("bench.realCallsLearningOff", "  "));

    assertThat(settings.realCallsLearningOff()).isEqualTo(Settings.DEFAULT_REAL_CALLS_LEARNING_OFF);
    assertThat(settings.overrides()).isEmpty();
  }

  @Test
  void aSetCountIsUsedAndNamedInTheCommand() {
    Properties properties = properties("bench.realCallsLearningOn", " 7 ");
    properties.setProperty("bench.quick", "true");

    Settings settings = Settings.parse(ARGS, properties);

    assertThat(settings.realCallsLearningOn()).isEqualTo(7);
    assertThat(settings.realCallsLearningOff()).isEqualTo(2);
    assertThat(settings.command())
        .isEqualTo(Settings.COMMAND + " -Dbench.quick=true -Dbench.realCallsLearningOn=7");
  }

  @Test
  void aCountThatIsNotAPositiveWholeNumberIsRefused() {
    assertThatThrownBy(() -> Settings.parse(ARGS, properties("bench.realCallsLearningOff", "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bench.realCallsLearningOff must be between 1 and 1000000, got 0");
    assertThatThrownBy(() -> Settings.parse(ARGS, properties("bench.realCallsLearningOff", "many")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bench.realCallsLearningOff must be a whole number, got 'many'");
    assertThatThrownBy(
            () -> Settings.parse(ARGS, properties("bench.realCallsLearningOff", "1000001")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 1 and 1000000");
  }

  @Test
  void theThreePathsAreRequired() {
    assertThatThrownBy(() -> Settings.parse(new String[] {"--out=out.md"}, new Properties()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("usage: Benchmarks");
  }

  private static Properties properties(String name, String value) {
    Properties properties = new Properties();
    properties.setProperty(name, value);
    return properties;
  }
}
