package dev.isolate.examples;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * A deliberately crashy and leaky native library, made of real libc calls through jnr-ffi, so no C
 * compiler is needed: each method misbehaves in native code exactly as a buggy JNI library would.
 *
 * <p>Call these methods only inside {@link dev.isolate.Isolator#execute}: in the caller's own JVM,
 * {@link #segfault()} and {@link #abort()} kill it, {@link #leak(long)} keeps the memory until it
 * exits, and {@link #pause()} blocks the calling thread for good.
 */
public final class CrashyNativeLibrary {
  private CrashyNativeLibrary() {}

  /**
   * Reads a C string at address 1: a real {@code SIGSEGV} inside libc's {@code strlen}. Never
   * returns.
   */
  public static long segfault() {
    return Libc.INSTANCE.strlen(1);
  }

  /**
   * Calls libc's {@code abort()}: the process dies of {@code SIGABRT}, with no report from the JVM.
   */
  public static void abort() {
    Libc.INSTANCE.abort();
  }

  /**
   * Allocates {@code bytes} with {@code malloc} and never frees them. Every byte is written, so the
   * pages are really resident, not just reserved.
   *
   * @return the address of the leaked block
   * @throws OutOfMemoryError if {@code malloc} returns null
   */
  public static long leak(long bytes) {
    Pointer block = Libc.INSTANCE.malloc(bytes);
    if (block == null || block.address() == 0) {
      throw new OutOfMemoryError("malloc(" + bytes + ") returned null");
    }
    Libc.INSTANCE.memset(block, 0x5a, bytes);
    return block.address();
  }

  /**
   * Calls libc's {@code pause()}: sleeps until a signal arrives, so a hang that only a kill ends.
   *
   * @return what {@code pause()} returned (-1), if a handled signal woke it
   */
  public static int pause() {
    return Libc.INSTANCE.pause();
  }

  /**
   * The libc functions used, bound once per process on first use. Public only because jnr-ffi
   * implements it in a class loader of its own, which cannot see a private interface.
   */
  public interface Libc {
    /** The binding. */
    Libc INSTANCE = LibraryLoader.create(Libc.class).load("c");

    /** {@code size_t strlen(const char *s)}, with the pointer passed as a raw address. */
    long strlen(long address);

    /** {@code void abort(void)}. */
    void abort();

    /** {@code void *malloc(size_t size)}. */
    Pointer malloc(long size);

    /** {@code void *memset(void *s, int c, size_t n)}. */
    Pointer memset(Pointer target, int value, long size);

    /** {@code int pause(void)}. */
    int pause();
  }
}
