package dev.isolate;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import dev.isolate.internal.outcome.Failure;
import dev.isolate.internal.wire.KryoCodec;
import dev.isolate.internal.wire.ResultStream;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Kryo on the caller's side of an isolator: writes callables, with the shapes the worker image can
 * prepare for them, and reads values. Kryo instances are not thread-safe: each use takes one from a
 * pool.
 */
final class CallerCodec {
  /** A callable's bytes, and the shapes a child needs to read them. */
  record Request(byte[] bytes, Set<String> shapes) {}

  /** A callable that cannot be written; the call ends there, not run. */
  static final class Unserializable extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Failure failure;

    Unserializable(Failure failure) {
      super(failure.message(), null, false, false);
      this.failure = failure;
    }
  }

  private final ClassLoader loader;
  private final Pool<Kryo> kryos;

  CallerCodec(ClassLoader loader) {
    this.loader = loader;
    this.kryos =
        new Pool<>(true, false) {
          @Override
          protected Kryo create() {
            return KryoCodec.newKryo(loader);
          }
        };
  }

  ClassLoader loader() {
    return loader;
  }

  Request encode(IsolatedCallable<?> callable) throws Unserializable {
    Kryo kryo = kryos.obtain();
    Set<String> shapes = new LinkedHashSet<>();
    KryoCodec.recordShapes(kryo, shapes);
    try {
      Output output = new Output(4096, -1);
      kryo.writeClassAndObject(output, callable);
      return new Request(output.toBytes(), shapes);
    } catch (RuntimeException | StackOverflowError e) {
      throw new Unserializable(
          new Failure(
                  Reason.CALLABLE_SERIALIZATION_FAILED,
                  "the callable "
                      + callable.getClass().getName()
                      + " could not be serialized with Kryo ("
                      + e
                      + "); it and every value it captures must be serializable; the callable"
                      + " did not run")
              .cause(e));
    } finally {
      KryoCodec.recordShapes(kryo, null);
      kryos.free(kryo);
    }
  }

  /** The value a child returned. */
  Object decode(ResultStream result) {
    Kryo kryo = kryos.obtain();
    try {
      return kryo.readClassAndObject(new Input(result.valueBytes(), 64 * 1024));
    } finally {
      kryos.free(kryo);
    }
  }
}
