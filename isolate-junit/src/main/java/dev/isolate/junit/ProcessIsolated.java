package dev.isolate.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test method, or every test of the annotated class, in a forked child process
 * of an isolate worker image: a segfault, an {@code abort()}, a {@code System.exit} or a hang past
 * {@link #timeoutMillis} fails that test with the category, reason, signal and crash frame, and the
 * rest of the suite keeps running.
 *
 * <p>Not to be confused with JUnit's own {@code org.junit.jupiter.api.parallel.Isolated}, which
 * only keeps a test from running concurrently with others, in the same JVM; that name clash is why
 * this annotation replaced {@code dev.isolate.junit.Isolated}.
 *
 * <h2>Where it applies</h2>
 *
 * On a method, to that test; on a class, to each of its tests, including those of its
 * {@code @Nested} classes, however deep. The nearest annotation wins, whole: one on a method
 * replaces the class's (it is not merged with it), and one on a nested class replaces its enclosing
 * class's. {@code @Test}, {@code @ParameterizedTest}, {@code @RepeatedTest} and other test
 * templates run their bodies in a child, one child per invocation.
 *
 * <h2>Dynamic tests</h2>
 *
 * A {@code @TestFactory} method itself runs in the test JVM (JUnit needs the tests it returns);
 * each {@code DynamicTest} it makes runs in a child. Its {@code Executable} must therefore be
 * copyable: write it as {@code dynamicTest("name", (Executable & Serializable) () -> ...)}. A
 * dynamic test whose {@code Executable} cannot travel (a plain lambda, a method reference, one made
 * by {@code DynamicTest.stream}) is never run in the test JVM instead: it fails with an {@link
 * IsolatedTestFailure} that says so.
 *
 * <h2>What reaches the child</h2>
 *
 * {@code @BeforeAll}, {@code @BeforeEach}, {@code @AfterEach} and {@code @AfterAll} run in the test
 * JVM, as usual. The body runs in the child, which gets:
 *
 * <ul>
 *   <li>a copy of the test instance, taken with Kryo after {@code @BeforeEach} (so the fields it
 *       set travel), with the instances of its enclosing classes for a {@code @Nested} test; fields
 *       the body does not need and that cannot be copied should be {@code transient};
 *   <li>a copy of the method's arguments;
 *   <li>the test JVM's {@code -D} system properties and {@code java.library.path}, and the options
 *       of {@link #jvmOptions}.
 * </ul>
 *
 * <p><b>Static state does not travel.</b> The child is forked from a worker image that started
 * fresh: a static field set in {@code @BeforeAll} (or anywhere else in the test JVM) has its
 * initial value there, and the class's static initializer runs again, in the child or, once it has
 * been learned, once in the worker image for every child after. Likewise an object holding a native
 * resource opened in the test JVM (a handle, a file descriptor) arrives as numbers that mean
 * nothing in the child. Set what the body needs in instance fields in {@code @BeforeEach}, compute
 * it in a static initializer (which the child runs too), open native resources in the body, or pass
 * values as system properties. What the body changes in memory (fields, static state, native
 * memory) stays in the child; files it writes are on the same disk.
 *
 * <p>A failed assertion (JUnit, AssertJ, Hamcrest) or an exception thrown by the body is reported
 * as itself, with its message and the child's stack trace.
 *
 * <h2>Isolators</h2>
 *
 * One isolator (one worker image) per distinct combination of {@link #maxHeapMebibytes}, {@link
 * #jvmOptions} and the sandbox settings serves the whole test run, and is closed when the run ends.
 *
 * <h2>Sandbox</h2>
 *
 * {@link #denyNetwork}, {@link #denyExec} and {@link #readOnlyFileSystem} put the child in a {@link
 * dev.isolate.Sandbox}: a test of a parser fed hostile input can then neither reach the network nor
 * write outside {@link #writablePaths}. On a kernel that cannot enforce them the test fails, saying
 * what is missing.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ProcessIsolatedExtension.class)
public @interface ProcessIsolated {
  /**
   * Wall-clock limit of each test body in its child, in milliseconds; past it the child is killed
   * and the test fails with {@code TIMED_OUT}. 0: none.
   */
  long timeoutMillis() default 0;

  /** The Java heap of the child, in MiB; 0: the isolate default (512 MiB). */
  long maxHeapMebibytes() default 0;

  /**
   * Extra JVM options of the worker image the child is forked from, for example {@code
   * "-Dcodec.mode=strict"} or {@code "--add-opens=java.base/java.nio=ALL-UNNAMED"}. Options that
   * bring back a JIT compiler or a collecting GC are refused (the test fails saying which): forked
   * children of such a JVM hang. Default: none.
   */
  String[] jvmOptions() default {};

  /**
   * Whether the child may not use the network over IPv4 or IPv6 (see {@link
   * dev.isolate.Sandbox.Builder#denyNetwork}). Default: false.
   */
  boolean denyNetwork() default false;

  /**
   * Whether the child may not start programs (see {@link dev.isolate.Sandbox.Builder#denyExec}).
   * Default: false.
   */
  boolean denyExec() default false;

  /**
   * Whether the child may write only beneath {@link #writablePaths} (see {@link
   * dev.isolate.Sandbox.Builder#readOnlyFileSystem}). Default: false.
   */
  boolean readOnlyFileSystem() default false;

  /**
   * With {@link #readOnlyFileSystem}: the directories or files the child may write beneath,
   * absolute or relative to the working directory, each existing (for example {@code "target"}). A
   * {@code @TempDir} is outside them unless {@code java.io.tmpdir} is among them. Default: none.
   */
  String[] writablePaths() default {};
}
