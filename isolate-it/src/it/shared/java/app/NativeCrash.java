package app;

import jnr.ffi.LibraryLoader;

/** A real native crash, through jnr-ffi into libc, so that no C compiler is needed. */
public final class NativeCrash {
  private NativeCrash() {}

  /** Reads a C string at address 1: SIGSEGV inside libc's strlen. Never returns. */
  public static long segfault() {
    return Libc.INSTANCE.strlen(1);
  }

  /**
   * The libc functions used, bound on first use (in a child only). Public because jnr-ffi
   * implements it in a class loader of its own.
   */
  public interface Libc {
    Libc INSTANCE = LibraryLoader.create(Libc.class).load("c");

    /** {@code size_t strlen(const char *s)}, with the pointer passed as a raw address. */
    long strlen(long address);
  }
}
