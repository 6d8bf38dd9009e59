package dev.isolate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import dev.isolate.IsolatedCallable;
import dev.isolate.examples.jni.CrashyJni;
import java.util.List;
import jnr.ffi.LibraryLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real callables of {@link RealCallables}: what applications and test suites hand to an
 * isolator, as they write them. Each is a lambda of a nested class of its own, holding the static
 * state such a class has (a logger, a native binding), so that a child that runs one initializes
 * that class alone: a child initializes the class of the lambda it runs, and nothing here shares
 * one.
 *
 * <p>Making a lambda calls a static method of its class, so the caller initializes the class too,
 * as an application's own JVM does: the logger and the jnr binding are made once in the benchmark's
 * JVM, and again in every child that has not inherited them from its worker image.
 */
final class RealWorkloads {
  private RealWorkloads() {}

  /** A lambda of a class with no static state, for the worker image's start-up call. */
  static final class Startup {
    private Startup() {}

    static IsolatedCallable<Boolean> ready() {
      return () -> true;
    }
  }

  /**
   * A class that logs as most applications do, through SLF4J with logback behind it, from a {@code
   * private static final Logger}. A child that initializes it runs logback's start-up (finding and
   * reading {@code logback.xml}, building the appender and the encoder) in the interpreter before
   * its one line.
   */
  static final class Logging {
    private static final Logger LOG = LoggerFactory.getLogger(Logging.class);

    private Logging() {}

    /**
     * Logs one line at INFO and returns whether logback, configured by the benchmark's {@code
     * logback.xml} (root at INFO, not logback's default DEBUG), is what SLF4J found: proof that
     * logback really started.
     */
    static IsolatedCallable<Boolean> logOneLine() {
      return () -> {
        LOG.info("one line logged by an isolated call");
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext
            && LOG.isInfoEnabled()
            && !LOG.isDebugEnabled();
      };
    }
  }

  /**
   * A class that binds libc through jnr-ffi once, in a {@code static final} field, as a native
   * library's Java wrapper does. A child that initializes it loads jnr-ffi and generates the
   * binding's class again.
   */
  static final class NativeBinding {
    /** The part of libc the callable uses; public, for the class jnr-ffi generates. */
    public interface Libc {
      int getpid();
    }

    private static final Libc LIBC = LibraryLoader.create(Libc.class).load("c");

    private NativeBinding() {}

    /** libc's {@code getpid()}: in a child, the child's pid, not the caller's. */
    static IsolatedCallable<Integer> getpid() {
      return () -> LIBC.getpid();
    }
  }

  /**
   * A JNI call into {@code libcrashy.so} of isolate-examples, through {@link CrashyJni}, whose
   * static initializer calls {@link System#loadLibrary}: a child that uses it first loads the class
   * and the library (which the caller never does: only the lambda's class is initialized here).
   */
  static final class Jni {
    /** The argument of {@link CrashyJni#sumOfSquares}. */
    static final int N = 1000;

    private Jni() {}

    static IsolatedCallable<Long> sumOfSquares() {
      return () -> CrashyJni.sumOfSquares(N);
    }

    /** {@code 1*1 + ... + N*N}, as the C code must compute it. */
    static long expected() {
      return (long) N * (N + 1) * (2L * N + 1) / 6;
    }
  }

  /**
   * The body of a small unit test: two AssertJ assertions, the first on a list, the second on a
   * string. A child that runs it loads AssertJ's entry points and assertion classes.
   */
  static final class TestBody {
    private TestBody() {}

    /** Returns true when both assertions pass; a failing one throws its own error. */
    static IsolatedCallable<Boolean> twoAssertions() {
      return () -> {
        List<String> steps = List.of("fork", "call", "exit");
        assertThat(steps).hasSize(3).contains("call", "exit");
        assertThat("isolate-bench").startsWith("isolate");
        return true;
      };
    }
  }
}
