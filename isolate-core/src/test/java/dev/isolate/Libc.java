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

  /** Segfaults in libc's strlen. */
  static long segfault() {
    return INSTANCE.strlen(1);
  }

  /** Allocates {@code bytes} with malloc and touches every page, so that they are really resident. */
  static long leakNative(long bytes) {
    Pointer block = INSTANCE.malloc(bytes);
    INSTANCE.memset(block, 1, bytes);
    return block.address();
  }
}
