package dev.isolate.internal.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.internal.wire.ByteWriter;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.WorkerFrame;
import dev.isolate.internal.wire.WorkerStep;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The caller reads the worker image's frames whole however its pipe cuts them. */
class FrameReaderTest {

  /** What a worker image writes: a line its JVM printed, the magic, then frames. */
  private static final List<Frame> FRAMES =
      List.of(
          new WorkerFrame.Ready(100),
          new WorkerFrame.Started(1, 101, 2048),
          new WorkerFrame.Stream(WorkerFrame.Stream.RESULT, 1, new byte[] {1, 2, 3}),
          new WorkerFrame.Stream(
              WorkerFrame.Stream.STDOUT, 1, "out\n".getBytes(StandardCharsets.UTF_8)),
          new WorkerFrame.OutputEnded(1, 3, 0),
          new WorkerFrame.Exited(1, 101, 0, false, false, false, false, 3, 4096, 0, 0),
          WorkerFrame.Heartbeat.INSTANCE,
          new WorkerFrame.Failed(2, WorkerStep.FORK, 11, 0, false, 0, 0));

  private static byte[] workerOutput() {
    ByteWriter out = new ByteWriter(1024);
    byte[] preamble = "OpenJDK warning: something\n".getBytes(StandardCharsets.UTF_8);
    out.putBytes(preamble, 0, preamble.length);
    out.putBytes(Frame.MAGIC, 0, Frame.MAGIC.length);
    for (Frame frame : FRAMES) {
      frame.encode(out);
    }
    return out.toByteArray();
  }

  /** Gives at most {@code chunk} bytes per read, as a pipe may. */
  private static InputStream inPieces(byte[] bytes, int chunk) {
    return new InputStream() {
      int at;

      @Override
      public int read() {
        return at < bytes.length ? bytes[at++] & 0xff : -1;
      }

      @Override
      public int read(byte[] target, int offset, int length) {
        if (at == bytes.length) {
          return -1;
        }
        int n = Math.min(Math.min(length, chunk), bytes.length - at);
        System.arraycopy(bytes, at, target, offset, n);
        at += n;
        return n;
      }
    };
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 7, 13, 1 << 20})
  void framesArriveWholeAndInOrderWhateverTheChunks(int chunk) {
    List<Object> seen = new ArrayList<>();
    ByteArrayOutputStream preamble = new ByteArrayOutputStream();
    String[] end = new String[] {"not ended"};
    new FrameReader(
            inPieces(workerOutput(), chunk),
            new FrameReader.Sink() {
              @Override
              public void ready(int workerPid) {
                seen.add(new WorkerFrame.Ready(workerPid));
              }

              @Override
              public void frame(Frame frame) {
                seen.add(frame);
              }

              @Override
              public void preamble(byte[] bytes, int offset, int length) {
                preamble.write(bytes, offset, length);
              }

              @Override
              public void ended(String why) {
                end[0] = why;
              }
            })
        .run();
    assertThat(seen).usingRecursiveFieldByFieldElementComparator().isEqualTo(FRAMES);
    assertThat(preamble.toString(StandardCharsets.UTF_8)).isEqualTo("OpenJDK warning: something\n");
    assertThat(end[0]).as("a clean end of output").isNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4096})
  void aFrameTheProtocolDoesNotAllowEndsTheReaderSayingWhy(int chunk) {
    byte[] good = workerOutput();
    byte[] bad = new byte[good.length + Frame.HEADER_BYTES];
    System.arraycopy(good, 0, bad, 0, good.length);
    // A header announcing a payload far past what a worker image ever sends.
    bad[good.length] = 0x7f;
    String[] end = new String[1];
    List<Frame> seen = new ArrayList<>();
    new FrameReader(
            inPieces(bad, chunk),
            new FrameReader.Sink() {
              @Override
              public void ready(int workerPid) {}

              @Override
              public void frame(Frame frame) {
                seen.add(frame);
              }

              @Override
              public void preamble(byte[] bytes, int offset, int length) {}

              @Override
              public void ended(String why) {
                end[0] = why;
              }
            })
        .run();
    assertThat(seen).hasSize(FRAMES.size() - 1);
    assertThat(end[0]).contains("MalformedException").contains("a frame length of");
  }
}
