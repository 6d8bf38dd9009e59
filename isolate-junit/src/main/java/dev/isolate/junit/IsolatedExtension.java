package dev.isolate.junit;

import dev.isolate.CallableExecutedException;
import dev.isolate.IsolatedCallable;
import dev.isolate.Isolator;
import dev.isolate.MemIsolateException;
import dev.isolate.Reason;
import java.io.ObjectInputFilter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Runs {@link Isolated} test methods in a child of an isolate worker image; see {@link Isolated}.
 * One {@link Isolator} per heap size serves the whole test run and is closed at its end.
 */
public final class IsolatedExtension implements InvocationInterceptor {
  /** Made by JUnit, for the {@code @ExtendWith} on {@link Isolated}. */
  public IsolatedExtension() {}

  /**
   * A failed assertion of JUnit, AssertJ or Hamcrest comes back as its own class with its message
   * (which holds the expected and actual values), so that build tools report it as a failure, not
   * an error; an exception of a class the default filter does not allow comes back as a {@link
   * dev.isolate.RemoteThrowable}, with its class name, message and stack.
   */
  private static final ObjectInputFilter TEST_FRAMEWORK_EXCEPTIONS =
      ObjectInputFilter.Config.createFilter(
          "org.opentest4j.**;org.junit.**;org.assertj.**;org.hamcrest.**");

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(IsolatedExtension.class);

  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    runInChild(invocation, invocationContext, extensionContext);
  }

  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    runInChild(invocation, invocationContext, extensionContext);
  }

  private static void runInChild(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext extensionContext)
      throws Throwable {
    Method method = invocationContext.getExecutable();
    Isolated settings = settings(method, extensionContext);
    // The body runs in the child, never here.
    invocation.skip();
    Object target = invocationContext.getTarget().orElse(null);
    TestBody body =
        new TestBody(
            method.getDeclaringClass().getName(),
            method.getName(),
            Arrays.stream(method.getParameterTypes()).map(Class::getName).toArray(String[]::new),
            target,
            invocationContext.getArguments().toArray());
    Isolator isolator = isolator(extensionContext, settings.maxHeapMebibytes());
    try {
      if (settings.timeoutMillis() > 0) {
        isolator.execute(body, Duration.ofMillis(settings.timeoutMillis()));
      } else {
        isolator.execute(body);
      }
    } catch (CallableExecutedException e) {
      if (e.reason() == Reason.CALLABLE_THREW && e.getCause() != null) {
        // The test's own failure: an assertion, or what the body threw, rebuilt with the child's
        // stack.
        throw e.getCause();
      }
      throw failure(method, e);
    } catch (MemIsolateException e) {
      if (e.reason() == Reason.CALLABLE_SERIALIZATION_FAILED && e.getCause() != null) {
        throw new IsolatedTestFailure(
            "isolated test "
                + method.getName()
                + " did not run: its test instance ("
                + method.getDeclaringClass().getName()
                + ") or its arguments could not be copied to the child with"
                + " Kryo ("
                + e.getCause()
                + "); mark the fields the body does not need transient",
            e);
      }
      throw failure(method, e);
    }
  }

  private static IsolatedTestFailure failure(Method method, MemIsolateException e) {
    StringBuilder message =
        new StringBuilder("isolated test ")
            .append(method.getName())
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

  private static Isolated settings(Method method, ExtensionContext context) {
    Optional<Isolated> onMethod = AnnotationSupport.findAnnotation(method, Isolated.class);
    if (onMethod.isPresent()) {
      return onMethod.get();
    }
    return context
        .getTestClass()
        .flatMap(type -> AnnotationSupport.findAnnotation(type, Isolated.class))
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "IsolatedExtension on a test without @Isolated: " + method));
  }

  /**
   * The run-wide isolator for this heap size: kept in the root context's store, which closes what
   * it holds (an Isolator is AutoCloseable) when the test run ends.
   */
  private static Isolator isolator(ExtensionContext context, long maxHeapMebibytes) {
    ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
    return store.getOrComputeIfAbsent(
        "isolator-" + maxHeapMebibytes,
        key -> {
          Isolator.Builder builder = Isolator.builder().resultFilter(TEST_FRAMEWORK_EXCEPTIONS);
          if (maxHeapMebibytes > 0) {
            builder.maxHeapBytes(maxHeapMebibytes << 20);
          }
          return builder.build();
        },
        Isolator.class);
  }

  /**
   * The test method's body, sent to the child: the copied test instance, the method, its arguments.
   */
  static final class TestBody implements IsolatedCallable<Void> {
    private static final long serialVersionUID = 1L;
    private final String className;
    private final String methodName;
    private final String[] parameterTypes;
    private final Object target;
    private final Object[] arguments;

    TestBody(
        String className,
        String methodName,
        String[] parameterTypes,
        Object target,
        Object[] arguments) {
      this.className = className;
      this.methodName = methodName;
      this.parameterTypes = parameterTypes;
      this.target = target;
      this.arguments = arguments;
    }

    @Override
    public Void call() throws Exception {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      if (loader == null) {
        loader = ClassLoader.getSystemClassLoader();
      }
      Class<?>[] types = new Class<?>[parameterTypes.length];
      for (int i = 0; i < types.length; i++) {
        types[i] = forName(parameterTypes[i], loader);
      }
      Method method = Class.forName(className, false, loader).getDeclaredMethod(methodName, types);
      method.setAccessible(true);
      try {
        method.invoke(target, arguments);
      } catch (InvocationTargetException e) {
        Throwable thrown = e.getCause();
        if (thrown instanceof Exception exception) {
          throw exception;
        }
        if (thrown instanceof Error error) {
          throw error;
        }
        throw e;
      }
      return null;
    }

    private static Class<?> forName(String name, ClassLoader loader) throws ClassNotFoundException {
      return switch (name) {
        case "boolean" -> boolean.class;
        case "byte" -> byte.class;
        case "char" -> char.class;
        case "short" -> short.class;
        case "int" -> int.class;
        case "long" -> long.class;
        case "float" -> float.class;
        case "double" -> double.class;
        default -> Class.forName(name, false, loader);
      };
    }
  }
}
