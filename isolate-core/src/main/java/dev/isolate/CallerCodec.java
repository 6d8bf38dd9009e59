package dev.isolate;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import dev.isolate.internal.outcome.Failure;
import dev.isolate.internal.outcome.ResultPolicy;
import dev.isolate.internal.wire.CaptureDiagnosis;
import dev.isolate.internal.wire.DecodingKryo;
import dev.isolate.internal.wire.KryoCodec;
import dev.isolate.internal.wire.ResultStream;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Kryo on the caller's side of an isolator: writes callables, with the shapes the worker image can
 * prepare for them, and reads values, which it trusts no more than any input: through the result
 * policy, with every length bounded and the depth limited (see {@link DecodingKryo}). Kryo
 * instances are not thread-safe: each use takes one from a pool.
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

  /** A value that cannot be read: why, in words for the user, and the cause. */
  static final class Undecodable extends Exception {
    private static final long serialVersionUID = 1L;

    Undecodable(String why, Throwable cause) {
      super(why, cause);
    }
  }

  /** A stack for a decoding thread: room for the deepest value a filter may allow. */
  private static final long DEEP_STACK_BYTES = 4096L * ResultPolicy.MOST_DEPTH + (1 << 20);

  private final ClassLoader loader;
  private final ResultPolicy policy;
  private final Pool<Kryo> writers;
  private final Pool<DecodingKryo> readers;

  /** Started when first needed, for a policy that lets values nest deeper than any stack holds. */
  private volatile ThreadPoolExecutor deepDecoder;

  CallerCodec(ClassLoader loader, ResultPolicy policy) {
    this.loader = loader;
    this.policy = policy;
    this.writers =
        new Pool<>(true, false) {
          @Override
          protected Kryo create() {
            // Every class written in a callable may come back in a value.
            return KryoCodec.newWritingKryo(loader, policy::sent);
          }
        };
    this.readers =
        new Pool<>(true, false) {
          @Override
          protected DecodingKryo create() {
            return KryoCodec.newDecodingKryo(loader, policy, policy.maxDepth());
          }
        };
  }

  ClassLoader loader() {
    return loader;
  }

  ResultPolicy policy() {
    return policy;
  }

  Request encode(IsolatedCallable<?> callable) throws Unserializable {
    Kryo kryo = writers.obtain();
    Set<String> shapes = new LinkedHashSet<>();
    KryoCodec.recordShapes(kryo, shapes);
    try {
      Output output = new Output(4096, -1);
      kryo.writeClassAndObject(output, callable);
      return new Request(output.toBytes(), shapes);
    } catch (RuntimeException | StackOverflowError e) {
      String why = CaptureDiagnosis.explain(callable, e, () -> KryoCodec.newKryo(loader));
      throw new Unserializable(
          new Failure(
                  Reason.CALLABLE_SERIALIZATION_FAILED,
                  why
                      + "; the callable did not run (it, and every value it captures, must be"
                      + " serializable with Kryo)")
              .cause(e));
    } finally {
      KryoCodec.recordShapes(kryo, null);
      writers.free(kryo);
    }
  }

  /**
   * The value a child returned.
   *
   * @throws Undecodable if it holds a class the policy rejects, goes past a limit, or is not a
   *     value at all
   */
  Object decode(ResultStream result, ClassLoader valueLoader) throws Undecodable {
    if (policy.maxDepth() <= ResultPolicy.DEFAULT_MAX_DEPTH) {
      return decodeHere(result, valueLoader);
    }
    Future<Object> decoded = deepDecoder().submit(() -> decodeHere(result, valueLoader));
    try {
      return decoded.get();
    } catch (InterruptedException e) {
      decoded.cancel(true);
      Thread.currentThread().interrupt();
      throw new Undecodable("the calling thread was interrupted while the value was decoded", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Undecodable undecodable) {
        throw undecodable;
      }
      throw new Undecodable(String.valueOf(e.getCause()), e.getCause());
    }
  }

  private Object decodeHere(ResultStream result, ClassLoader valueLoader) throws Undecodable {
    // A plugin's value is read by a Kryo of the plugin's loader: a pooled one caches the classes
    // its names resolved to, for the isolator's own loader.
    boolean pooled = valueLoader == loader;
    DecodingKryo kryo =
        pooled
            ? readers.obtain()
            : KryoCodec.newDecodingKryo(valueLoader, policy, policy.maxDepth());
    try {
      return kryo.decode(result.valueBytes(), result.valueLength());
    } catch (DecodingKryo.Rejected e) {
      throw new Undecodable(policy.rejection(e.type(), e.arrayLength(), kryo.getDepth()), e);
    } catch (KryoException e) {
      DecodingKryo.Rejected rejected = rejected(e);
      if (rejected != null) {
        throw new Undecodable(
            policy.rejection(rejected.type(), rejected.arrayLength(), kryo.getDepth()), e);
      }
      if (String.valueOf(e.getMessage()).startsWith("Max depth exceeded")) {
        throw new Undecodable(policy.rejection(null, -1, policy.maxDepth()), e);
      }
      throw new Undecodable(e.toString(), e);
    } catch (OutOfMemoryError e) {
      throw new Undecodable("the value does not fit in the caller's heap (" + e + ")", e);
    } catch (RuntimeException | LinkageError e) {
      throw new Undecodable(e.toString(), e);
    } finally {
      if (pooled) {
        readers.free(kryo);
      }
    }
  }

  private static DecodingKryo.Rejected rejected(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DecodingKryo.Rejected rejected) {
        return rejected;
      }
    }
    return null;
  }

  private ThreadPoolExecutor deepDecoder() {
    ThreadPoolExecutor decoder = deepDecoder;
    if (decoder == null) {
      synchronized (this) {
        if (deepDecoder == null) {
          int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
          ThreadPoolExecutor made =
              new ThreadPoolExecutor(
                  threads,
                  threads,
                  1,
                  TimeUnit.SECONDS,
                  new LinkedBlockingQueue<>(),
                  runnable -> {
                    Thread thread =
                        new Thread(null, runnable, "isolate-deep-decoder", DEEP_STACK_BYTES);
                    thread.setDaemon(true);
                    return thread;
                  });
          made.allowCoreThreadTimeOut(true);
          deepDecoder = made;
        }
        decoder = deepDecoder;
      }
    }
    return decoder;
  }
}
