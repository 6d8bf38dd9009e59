package dev.isolate.internal.host;

import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.FrameHeader;
import dev.isolate.internal.wire.MalformedException;
import dev.isolate.internal.wire.WorkerFrame;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a worker image's frames on a thread of its own and turns each into what it means for the
 * calls in flight. It ends when the worker image's output does: at its exit, or at the first frame
 * that is not what the protocol says.
 */
final class FrameReader implements Runnable {
  /** The largest payload a worker image sends: a relayed chunk. */
  static final int MAX_PAYLOAD = 1024 * 1024;

  /** Where each frame goes. */
  interface Sink {
    void ready(int workerPid);

    void frame(Frame frame);

    /** Bytes the worker's JVM printed before the protocol started. */
    void preamble(byte[] bytes, int offset, int length);

    /** The worker image's output ended; {@code why} is null at a clean end. */
    void ended(String why);
  }

  private final DataInputStream in;
  private final Sink sink;

  FrameReader(InputStream fromWorker, Sink sink) {
    this.in = new DataInputStream(new BufferedInputStream(fromWorker, 128 * 1024));
    this.sink = sink;
  }

  @Override
  public void run() {
    String why = null;
    try {
      skipToMagic();
      byte[] header = new byte[Frame.HEADER_BYTES];
      while (true) {
        in.readFully(header);
        FrameHeader parsed = FrameHeader.read(header, 0, MAX_PAYLOAD);
        byte[] payload = new byte[parsed.payloadLength()];
        in.readFully(payload);
        Frame frame = parsed.decodePayload(payload, 0);
        if (frame instanceof WorkerFrame.Ready ready) {
          sink.ready(ready.workerPid());
        } else {
          sink.frame(frame);
        }
      }
    } catch (EOFException e) {
      // The worker image's output ended: it exited, or was killed.
    } catch (IOException | MalformedException | RuntimeException | Error e) {
      // Whatever ended the reader ends the worker image's calls: none may wait forever.
      why = e.toString();
    } finally {
      sink.ended(why);
    }
  }

  private void skipToMagic() throws IOException {
    int matched = 0;
    while (matched < Frame.MAGIC.length) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      if (b == Frame.MAGIC[matched]) {
        matched++;
      } else {
        // Something the JVM printed before the worker took over standard output: keep it.
        sink.preamble(Frame.MAGIC, 0, matched);
        sink.preamble(new byte[] {(byte) b}, 0, 1);
        matched = 0;
      }
    }
  }
}
