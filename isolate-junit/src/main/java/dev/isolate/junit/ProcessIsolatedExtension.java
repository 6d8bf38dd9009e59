package dev.isolate.junit;

import dev.isolate.CallableExecutedException;
import dev.isolate.IsolatedCallable;
import dev.isolate.Isolator;
import dev.isolate.MemIsolateException;
import dev.isolate.Reason;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestInstances;
import org.junit.jupiter.api.function.Executable;

/**
 * Runs the bodies of {@link ProcessIsolated} tests (test methods, test template invocations such as
 * parameterized tests, and dynamic tests) in a child of an isolate worker image; see {@link
 * ProcessIsolated}. Registered by the annotation: there is no need to name it.
 *
 * <p>It uses only API present in JUnit Jupiter 5.10 to 6.x, and no JUnit artifact comes with it:
 * the test's own JUnit is used.
 */
public final class ProcessIsolatedExtension implements InvocationInterceptor {
  /** Made by JUnit, for the {@code @ExtendWith} on {@link ProcessIsolated}. */
  public ProcessIsolatedExtension() {}

  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    runMethod(invocation, invocationContext, extensionContext);
  }

  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    runMethod(invocation, invocationContext, extensionContext);
  }

  /**
   * Runs a dynamic test's {@code Executable} in a child. One that cannot be copied there fails its
   * test rather than run in the test JVM: the annotation promised a child.
   */
  @Override
  public void interceptDynamicTest(
      Invocation<Void> invocation,
      DynamicTestInvocationContext invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    IsolationSettings settings = IsolationSettings.of(extensionContext);
    // The body runs in the child, or nowhere; never here.
    invocation.skip();
    Executable executable = invocationContext.getExecutable();
    String name = "dynamic test '" + extensionContext.getDisplayName() + "'";
    run(
        settings,
        new DynamicTestBody(instances(extensionContext), executable),
        extensionContext,
        name,
        e -> notCopied(name, executable, e));
  }

  private static void runMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    Method method = invocationContext.getExecutable();
    IsolationSettings settings = IsolationSettings.of(extensionContext);
    // The body runs in the child, never here.
    invocation.skip();
    TestBody body =
        new TestBody(
            method,
            invocationContext.getTarget().orElse(null),
            instances(extensionContext),
            invocationContext.getArguments().toArray());
    run(
        settings,
        body,
        extensionContext,
        "test " + method.getName(),
        e ->
            "isolated test "
                + method.getName()
                + " did not run: its test instance ("
                + method.getDeclaringClass().getName()
                + ") or its arguments could not be copied to the child with Kryo ("
                + e.getCause()
                + "); mark the fields the body does not need transient");
  }

  private static void run(
      IsolationSettings settings,
      IsolatedCallable<Void> body,
      ExtensionContext extensionContext,
      String name,
      Function<MemIsolateException, String> notCopied)
      throws Throwable {
    Isolator isolator = RunIsolators.of(extensionContext).isolator(settings);
    try {
      if (settings.timeoutMillis() > 0) {
        isolator.execute(body, Duration.ofMillis(settings.timeoutMillis()));
      } else {
        isolator.execute(body);
      }
    } catch (CallableExecutedException e) {
      if (e.reason() == Reason.CALLABLE_THREW && e.getCause() != null) {
        // The test's own failure: an assertion, or what the body threw, with the child's stack.
        throw e.getCause();
      }
      throw failure(name, e);
    } catch (MemIsolateException e) {
      if (e.reason() == Reason.CALLABLE_SERIALIZATION_FAILED) {
        throw new IsolatedTestFailure(notCopied.apply(e), e);
      }
      throw failure(name, e);
    }
  }

  /**
   * The test instances of the test, or of the factory of a dynamic test (whose own context has
   * none), outermost first.
   */
  private static Object[] instances(ExtensionContext context) {
    for (ExtensionContext at = context; at != null; at = at.getParent().orElse(null)) {
      if (at.getTestInstances().isPresent()) {
        return at.getTestInstances().map(TestInstances::getAllInstances).orElseThrow().toArray();
      }
    }
    return new Object[0];
  }

  private static String notCopied(String name, Executable executable, MemIsolateException e) {
    Class<?> type = executable.getClass();
    String why;
    if (type.isHidden() && !(executable instanceof Serializable)) {
      why =
          type.getName().startsWith("org.junit.")
              ? "its Executable was made by JUnit (DynamicTest.stream, for example) and is not"
                  + " serializable; make each test with DynamicTest.dynamicTest(name,"
                  + " (Executable & Serializable) () -> ...) instead"
              : "its Executable is a lambda or method reference of a type that is not"
                  + " Serializable; write it as (Executable & Serializable) () -> ... (an"
                  + " intersection cast, with java.io.Serializable imported), so that it and what"
                  + " it captures can be copied";
    } else {
      String lambda = type.getName().split("\\$\\$Lambda", 2)[0];
      why =
          "its Executable ("
              + (type.isHidden() ? "a lambda in " + lambda : type.getName())
              + ") or what it captures could not be copied to the child with Kryo ("
              + e.getCause()
              + "); capture only what the test needs, and mark the fields of captured objects it"
              + " does not need transient";
    }
    return "isolated "
        + name
        + " did not run: under @ProcessIsolated a dynamic test runs only in a child, and "
        + why;
  }

  private static IsolatedTestFailure failure(String name, MemIsolateException e) {
    StringBuilder message =
        new StringBuilder("isolated ")
            .append(name)
            .append(" did not finish in its child: ")
            .append(e.category())
            .append(' ')
            .append(e.reason());
    e.signal().ifPresent(signal -> message.append(", signal ").append(signal));
    e.exitStatus().ifPresent(status -> message.append(", exit status ").append(status));
    e.crashReport()
        .flatMap(report -> report.problematicFrame())
        .ifPresent(frame -> message.append(", crash frame ").append(frame));
    message.append(": ").append(e.getMessage());
    return new IsolatedTestFailure(message.toString(), e);
  }
}
