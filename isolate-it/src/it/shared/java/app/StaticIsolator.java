package app;

import dev.isolate.Isolator;
import dev.isolate.MemIsolateException;
import org.apache.commons.lang3.StringUtils;

/**
 * A common pattern that must just work: the isolator is a static field of the class whose lambda it
 * runs, so every child that rebuilds the lambda initializes this class, and with it the field.
 */
final class StaticIsolator {
  static final Isolator ISOLATOR = Isolator.builder().build();

  private StaticIsolator() {}

  static String reverse(String input) throws MemIsolateException {
    return ISOLATOR.execute(() -> Answer.of(StringUtils.reverse(input)));
  }
}
