package dev.isolate.internal.host;

import java.io.IOException;
import java.io.InputStream;

/**
 * A worker image's own standard error: drained by a thread of its own, so that the worker never
 * blocks on it; forwarded to the caller's {@code System.err} with a prefix, within a bound; its
 * tail kept to explain how the worker ended.
 */
final class WorkerStderr {
  private final OutputCapture capture;
  private final Thread pump;

  WorkerStderr(Process process, long maxBytes) {
    this.capture =
        new OutputCapture(System.err, "[isolate worker " + process.pid() + "] ", maxBytes);
    this.pump = new Thread(() -> drain(process), "isolate-worker-" + process.pid() + "-stderr");
    pump.setDaemon(true);
  }

  void start() {
    pump.start();
  }

  /** Bytes the frame reader found ahead of the protocol (the JVM's own warnings, say). */
  void append(byte[] bytes, int offset, int length) {
    capture.append(bytes, offset, length);
  }

  /** Waits up to {@code millis} for the stream to end, so that its tail is whole. */
  void awaitEnd(long millis) throws InterruptedException {
    pump.join(millis);
  }

  /** What it said last, as the end of a sentence about the worker. */
  String suffix() {
    String tail = capture.tail().strip();
    return tail.isEmpty() ? "; it wrote nothing to stderr" : "; its stderr said:\n" + tail;
  }

  private void drain(Process process) {
    byte[] buffer = new byte[8192];
    try (InputStream errors = process.getErrorStream()) {
      int n;
      while ((n = errors.read(buffer)) > 0) {
        capture.append(buffer, 0, n);
      }
    } catch (IOException e) {
      // The worker is gone; what was read is kept.
    } finally {
      capture.finish();
    }
  }
}
