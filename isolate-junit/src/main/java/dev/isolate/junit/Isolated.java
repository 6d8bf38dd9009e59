package dev.isolate.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test method, or every test method of the annotated class, in a forked child
 * process of an isolate worker image: a segfault, an {@code abort()}, a {@code System.exit} or a
 * hang past {@link #timeoutMillis} fails that test with the category, reason, signal and crash
 * frame, and the rest of the suite keeps running.
 *
 * <p>What runs where: the test method's body runs in the child, on a copy of the test instance
 * (serialized with Kryo after {@code @BeforeEach}, so the fields it set travel with it) and of the
 * method's arguments (parameterized tests included). {@code @BeforeAll}, {@code @BeforeEach},
 * {@code @AfterEach} and {@code @AfterAll} run in the test JVM, as usual; what the body changes in
 * the child (fields, static state, native memory) stays in the child. A failed assertion or an
 * exception thrown by the body is reported as itself, with its message and the child's stack trace.
 * A method-level annotation overrides a class-level one.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(IsolatedExtension.class)
public @interface Isolated {
  /**
   * Wall-clock limit of the test body in the child, in milliseconds; past it the child is killed.
   * 0: none.
   */
  long timeoutMillis() default 0;

  /** The Java heap of the child, in MiB; 0: the isolate default (512 MiB). */
  long maxHeapMebibytes() default 0;
}
