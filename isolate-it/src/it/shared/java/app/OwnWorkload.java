package app;

import dev.isolate.IsolatedCallable;
import dev.isolate.MemIsolateException;
import org.apache.commons.lang3.StringUtils;

/** The application's own lambdas, in its own classes. */
final class OwnWorkload implements Workload {
  @Override
  public IsolatedCallable<String> plain() {
    return () -> Answer.of(StringUtils.reverse("isolate"));
  }

  @Override
  public IsolatedCallable<String> capturing(Greeting greeting) {
    return () ->
        Answer.of(StringUtils.repeat(StringUtils.reverse(greeting.who()), greeting.times()));
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
    return StaticIsolator.reverse(input);
  }
}
