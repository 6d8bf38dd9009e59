package plugin;

import app.Answer;
import app.Greeting;
import app.NativeCrash;
import app.Workload;
import dev.isolate.IsolatedCallable;
import dev.isolate.MemIsolateException;
import org.apache.commons.lang3.StringUtils;

/**
 * The plugin's lambdas: declared in the plugin's classes, they use host classes ({@link Answer},
 * {@link Greeting}, {@link NativeCrash}), the plugin's own ({@link PluginText}, which uses the
 * plugin's library) and the host's dependency (StringUtils).
 */
public final class PluginWorkload implements Workload {
  @Override
  public IsolatedCallable<String> plain() {
    return () -> Answer.of(PluginText.tag(StringUtils.reverse("isolate")));
  }

  @Override
  public IsolatedCallable<String> capturing(Greeting greeting) {
    return () ->
        Answer.of(
            PluginText.tag(
                StringUtils.repeat(StringUtils.reverse(greeting.who()), greeting.times())));
  }

  @Override
  public IsolatedCallable<Long> crash() {
    return NativeCrash::segfault;
  }

  @Override
  public IsolatedCallable<String> property(String name) {
    return () -> Answer.of(String.valueOf(System.getProperty(name)));
  }

  @Override
  public String throughStaticIsolator(String input) throws MemIsolateException {
    return PluginStaticIsolator.reverse(input);
  }
}
