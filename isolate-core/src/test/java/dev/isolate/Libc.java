package dev.isolate;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/** Real native misbehaviour for tests, through libc: a crash, an abort, a leak, a hang. */
public interface Libc {
  Libc INSTANCE = LibraryLoader.create(Libc.class).load("c");

  /** Reading a string at address 1 faults inside libc: a real SIGSEGV in native code. */
  long strlen(long address);

  void abort();

  Pointer malloc(long size);

  Pointer memset(Pointer target, int value, long size);

  int pause();

  void _exit(int status);

  int getpid();

  int kill(int pid, int signal);

  int pthread_spin_init(Pointer lock, int shared);

  int pthread_spin_lock(Pointer lock);

  /** Segfaults in libc's strlen. */
  static long segfault() {
    return INSTANCE.strlen(1);
  }

  /** Spins in C forever: takes a spin lock it already holds. */
  static int spinForever() {
    Pointer lock = INSTANCE.malloc(64);
    INSTANCE.pthread_spin_init(lock, 0);
    INSTANCE.pthread_spin_lock(lock);
    return INSTANCE.pthread_spin_lock(lock);
  }

  /**
   * Mallocs in shrinking blocks until even 64 bytes fail: all the address space a limit allows is
   * taken.
   */
  static long exhaustNativeMemory() {
    long total = 0;
    for (long size = 16L << 20; size >= 64; ) {
      if (INSTANCE.malloc(size) == null) {
        size /= 2;
      } else {
        total += size;
      }
    }
    return total;
  }

  /**
   * Allocates {@code bytes} with malloc and touches every page, so that they are really resident.
   */
  static long leakNative(long bytes) {
    Pointer block = INSTANCE.malloc(bytes);
    INSTANCE.memset(block, 1, bytes);
    return block.address();
  }
}
