package dev.isolate.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.isolate.IsolatedCallable;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A callable that cannot travel is explained in the user's terms: which captured value, which field
 * inside it, why it cannot be copied to another process, and the fix that fits.
 */
// The lambdas reach private members on purpose: that is how users' lambdas capture.
@SuppressWarnings("serial")
class CaptureDiagnosisTest {
  private static final ClassLoader LOADER = CaptureDiagnosisTest.class.getClassLoader();

  record Job(String name, Thread worker) {}

  private final Thread ownThread = new Thread(() -> {});

  private static String explained(IsolatedCallable<?> callable) {
    Kryo kryo = KryoCodec.newKryo(LOADER);
    try {
      kryo.writeClassAndObject(new Output(OutputStream.nullOutputStream()), callable);
    } catch (RuntimeException e) {
      return CaptureDiagnosis.explain(callable, e, () -> KryoCodec.newKryo(LOADER));
    }
    return fail("the callable was written: " + callable);
  }

  @Test
  void aCapturedThreadIsNamedByItsIndexAndTypeWithWhy() {
    Thread thread = new Thread(() -> {});
    assertThat(explained(() -> thread.getName()))
        .startsWith("the lambda in " + CaptureDiagnosisTest.class.getName() + ".lambda$")
        .contains("captures value #0 (a java.lang.Thread)")
        .contains("a Thread belongs to the JVM that runs it");
  }

  @Test
  void aCapturedLambdaThatIsNotSerializableGetsTheIntersectionCast() {
    Supplier<String> supplier = () -> "x";
    assertThat(explained(() -> supplier.get()))
        .contains("captures value #0 (a lambda of java.util.function.Supplier)")
        .contains("(Supplier<...> & java.io.Serializable) () -> ...")
        .doesNotContain("declare it as an IsolatedCallable");
  }

  @Test
  void aCapturedStreamIsToldToPassTheDataInstead() {
    InputStream in = new ByteArrayInputStream(new byte[1]);
    // A ByteArrayInputStream copies; one over a file or a socket does not: the rule is the type's.
    InputStream file = new java.io.BufferedInputStream(in);
    assertThat(explained(() -> file.read()))
        .contains("(a java.io.BufferedInputStream)")
        .contains("is an open stream, channel or connection of this process; pass the data");
  }

  @Test
  void aFieldPathLeadsToTheCulpritInsideACapturedValue() {
    Job job = new Job("nightly", new Thread(() -> {}));
    assertThat(explained(() -> job.name()))
        .contains("captures value #0 (a " + Job.class.getName() + "), in its field worker,")
        .contains("a Thread belongs to the JVM");
  }

  @Test
  void theEnclosingInstanceIsNamedAsSuch() {
    assertThat(explained(() -> ownThread.getName()))
        .contains("captures its enclosing instance (this, a " + getClass().getName() + ")")
        .contains("in its field ownThread");
  }
}
