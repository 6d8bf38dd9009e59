package dev.isolate.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The former name of {@link ProcessIsolated}, kept so that existing suites still run their tests in
 * a child: it behaves as {@code @ProcessIsolated} with the same {@code timeoutMillis} and {@code
 * maxHeapMebibytes}, wherever it is (a method, a class, an enclosing class).
 *
 * @deprecated use {@link ProcessIsolated}. JUnit has an annotation of the same simple name, {@code
 *     org.junit.jupiter.api.parallel.Isolated}, which only keeps a test from running in parallel
 *     with others: an IDE's import of the wrong one gives no process isolation and no warning. The
 *     new attribute {@link ProcessIsolated#jvmOptions} is only on the new name.
 */
@Deprecated
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ProcessIsolatedExtension.class)
public @interface Isolated {
  /**
   * Wall-clock limit of the test body in the child, in milliseconds; past it the child is killed.
   * 0: none.
   */
  long timeoutMillis() default 0;

  /** The Java heap of the child, in MiB; 0: the isolate default (512 MiB). */
  long maxHeapMebibytes() default 0;
}
