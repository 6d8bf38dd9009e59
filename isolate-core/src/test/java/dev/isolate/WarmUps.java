package dev.isolate;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Classes whose static initializer a worker image may learn to run ahead of its children, each
 * remembering the process it ran in: one that is fork-safe, and one for each rule of fork safety an
 * initializer can break there.
 */
final class WarmUps {
  /**
   * What {@link NeedsItsConfiguration} needs to initialize; named here, not there, so that naming
   * it does not initialize that class.
   */
  static final Path CONFIGURATION = Path.of("target", "warm-up-fixture.properties");

  private WarmUps() {}

  /** The pid of this process, read from the kernel: a forked child's own, never a cached one. */
  static long currentPid() {
    try {
      return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Fork-safe: some work and a table, as a logging framework's or codec's start-up makes. */
  static final class Table {
    static final long INITIALIZED_IN = currentPid();
    static final int[] SQUARES = new int[4096];

    static {
      for (int i = 0; i < SQUARES.length; i++) {
        SQUARES[i] = i * i;
      }
    }
  }

  /** Starts a thread, as a connection pool's or a metrics reporter's initializer does. */
  static final class StartsAThread {
    static final long INITIALIZED_IN = currentPid();

    static {
      Thread flusher = new Thread(() -> sleepForever(), "warm-up-flusher");
      flusher.setDaemon(true);
      flusher.start();
    }
  }

  /** Opens a file for writing, as a file logger's initializer does. */
  static final class OpensAFileForWriting {
    static final long INITIALIZED_IN = currentPid();
    static final FileOutputStream LOG;

    static {
      try {
        LOG = new FileOutputStream(Path.of("target", "warm-up-fixture.log").toFile(), true);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Keeps a seeded generator, as a class that makes ids or nonces does. */
  static final class KeepsARandom {
    static final long INITIALIZED_IN = currentPid();
    static final java.util.SplittableRandom RANDOM = new java.util.SplittableRandom();
  }

  /** Registers a shutdown hook, as a cache that persists itself at exit does. */
  static final class AddsAShutdownHook {
    static final long INITIALIZED_IN = currentPid();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {}, "warm-up-hook"));
    }
  }

  /**
   * Throws unless {@link WarmUps#CONFIGURATION} exists, as an initializer that reads its
   * configuration does: learned while the file is there, it throws in a worker image that
   * initializes it after the file is gone.
   */
  static final class NeedsItsConfiguration {
    static final long INITIALIZED_IN = currentPid();

    static {
      if (!Files.exists(CONFIGURATION)) {
        throw new IllegalStateException("no " + CONFIGURATION);
      }
    }
  }

  private static void sleepForever() {
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
