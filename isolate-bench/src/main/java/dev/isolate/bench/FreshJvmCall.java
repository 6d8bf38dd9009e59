package dev.isolate.bench;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.isolate.IsolatedCallable;

/**
 * What a call costs without isolate, with a new {@code java} process per call: run the callable and
 * write its result with Kryo to standard output, for the caller to read. {@link Benchmarks} starts
 * one per timed call.
 */
public final class FreshJvmCall {
  private FreshJvmCall() {}

  public static void main(String[] args) throws Exception {
    IsolatedCallable<Integer> callable = Workloads.trivial();
    Object result = callable.call();
    Kryo kryo = new Kryo();
    try (Output output = new Output(System.out)) {
      kryo.writeClassAndObject(output, result);
    }
  }
}
