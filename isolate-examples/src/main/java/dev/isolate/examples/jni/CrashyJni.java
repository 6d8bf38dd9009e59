package dev.isolate.examples.jni;

/**
 * A deliberately crashy and leaky JNI library: {@code libcrashy.so}, compiled by gcc from {@code
 * src/main/c/crashy.c} when isolate-examples is built (the {@code gcc} profile, into {@code
 * target/native}) and loaded with {@link System#loadLibrary}, so it must be in {@code
 * java.library.path}. Its functions misbehave in C, as buggy native libraries do.
 *
 * <p>The first use of this class loads the library into the JVM that uses it. Call it only inside
 * {@link dev.isolate.Isolator#execute} or an {@code @ProcessIsolated} test: in the caller's own
 * JVM, {@link #segfault()} kills it and {@link #leak(long)} keeps the memory until it exits.
 */
public final class CrashyJni {
  /**
   * The library's name for {@link System#loadLibrary}: {@code libcrashy.so} on Linux. A constant,
   * so that reading it does not load the library.
   */
  public static final String LIBRARY = "crashy";

  static {
    System.loadLibrary(LIBRARY);
  }

  private CrashyJni() {}

  /**
   * Computes {@code 1*1 + 2*2 + ... + n*n} in C.
   *
   * @throws IllegalArgumentException if {@code n} is negative (thrown from C)
   */
  public static native long sumOfSquares(int n);

  /**
   * Writes through a NULL pointer in C: a real {@code SIGSEGV} in {@code libcrashy.so}. Never
   * returns.
   */
  public static native int segfault();

  /**
   * Allocates {@code bytes} with {@code malloc}, writes every byte and never frees them.
   *
   * @return the bytes this process has leaked through this method, this call's included
   * @throws IllegalArgumentException if {@code bytes} is not positive (thrown from C)
   * @throws OutOfMemoryError if {@code malloc} returns NULL (thrown from C)
   */
  public static native long leak(long bytes);
}
