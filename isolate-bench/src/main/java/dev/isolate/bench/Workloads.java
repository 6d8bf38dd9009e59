package dev.isolate.bench;

import dev.isolate.IsolatedCallable;
import java.util.zip.CRC32;

/**
 * The callables the benchmarks run, in-process and isolated alike. Each is a lambda of this class:
 * the worker image has it on its class path, as it has the caller's.
 */
final class Workloads {
  static final int TRIVIAL_RESULT = 42;

  /** The size of the result the bandwidth benchmark returns. */
  static final int BIG_RESULT_BYTES = 64 << 20;

  private static final int PATTERN_BYTES = 4096;
  private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Workloads() {}

  static IsolatedCallable<Integer> trivial() {
    return () -> TRIVIAL_RESULT;
  }

  /**
   * A fresh zeroed array of {@code bytes} with its first, middle and last byte set, so that a lost
   * tail shows.
   */
  static IsolatedCallable<byte[]> bigResult(int bytes) {
    return () -> {
      byte[] result = new byte[bytes];
      result[0] = 1;
      result[bytes / 2] = 2;
      result[bytes - 1] = 3;
      return result;
    };
  }

  /** Only the filling that {@link #fnv1a(int)} and {@link #crc32(int)} start with, for scale. */
  static IsolatedCallable<Integer> fill(int bytes) {
    return () -> filled(bytes).length;
  }

  /** 64-bit FNV-1a of {@link #filled} bytes: one multiply per byte in a plain Java loop. */
  static IsolatedCallable<Long> fnv1a(int bytes) {
    return () -> fnv1a(filled(bytes));
  }

  /** CRC-32 of the same bytes through {@link CRC32}, whose work is native in any JVM mode. */
  static IsolatedCallable<Long> crc32(int bytes) {
    return () -> {
      CRC32 crc = new CRC32();
      crc.update(filled(bytes));
      return crc.getValue();
    };
  }

  static long fnv1a(byte[] data) {
    long hash = FNV_OFFSET_BASIS;
    for (byte b : data) {
      hash ^= b & 0xff;
      hash *= FNV_PRIME;
    }
    return hash;
  }

  /**
   * {@code bytes} of a deterministic pattern: 4 KiB computed in Java, then doubled with {@link
   * System#arraycopy} (native), so that filling costs little next to the hashing.
   */
  static byte[] filled(int bytes) {
    byte[] data = new byte[bytes];
    int seeded = Math.min(PATTERN_BYTES, bytes);
    for (int i = 0; i < seeded; i++) {
      data[i] = (byte) (i * 31 + (i >>> 7));
    }
    for (int done = seeded; done < bytes; done *= 2) {
      System.arraycopy(data, 0, data, done, Math.min(done, bytes - done));
    }
    return data;
  }
}
