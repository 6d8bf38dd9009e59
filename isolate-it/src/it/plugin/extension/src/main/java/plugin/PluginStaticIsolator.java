package plugin;

import app.Answer;
import dev.isolate.Isolator;
import dev.isolate.MemIsolateException;
import org.apache.commons.lang3.StringUtils;

/** The static-isolator pattern in a plugin class: initialized again in every child that runs it. */
final class PluginStaticIsolator {
  static final Isolator ISOLATOR = Isolator.builder().build();

  private PluginStaticIsolator() {}

  static String reverse(String input) throws MemIsolateException {
    return ISOLATOR.execute(() -> Answer.of(StringUtils.reverse(input)));
  }
}
