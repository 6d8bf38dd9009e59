package dev.isolate.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An exception crosses as data: its class, message, stack, causes and suppressed ones, bounded. */
class ThrowableCodecTest {

  private static List<ThrowableCodec.Link> roundTrip(Throwable thrown) throws Exception {
    ByteWriter out = new ByteWriter(64);
    ThrowableCodec.write(out, thrown);
    return ThrowableCodec.read(out.toByteArray());
  }

  @Test
  void causesAndSuppressedExceptionsKeepTheirPlaces() throws Exception {
    IllegalStateException thrown =
        new IllegalStateException("outer", new IOException("inner", new RuntimeException()));
    thrown.addSuppressed(new IllegalArgumentException("closing failed"));
    List<ThrowableCodec.Link> links = roundTrip(thrown);
    assertThat(links).hasSize(4);
    ThrowableCodec.Link outer = links.get(0);
    assertThat(outer.className()).isEqualTo(IllegalStateException.class.getName());
    assertThat(outer.message()).isEqualTo("outer");
    // Class, method, file and line: what a stack trace prints.
    assertThat(outer.stackTrace())
        .extracting(StackTraceElement::toString)
        .isEqualTo(
            java.util.Arrays.stream(thrown.getStackTrace())
                .map(
                    f ->
                        new StackTraceElement(
                                f.getClassName(),
                                f.getMethodName(),
                                f.getFileName(),
                                f.getLineNumber())
                            .toString())
                .toList());
    ThrowableCodec.Link inner = links.get(outer.cause());
    assertThat(inner.message()).isEqualTo("inner");
    assertThat(links.get(inner.cause()).message()).isNull();
    assertThat(outer.suppressed()).hasSize(1);
    assertThat(links.get(outer.suppressed()[0]).message()).isEqualTo("closing failed");
  }

  @Test
  void aCycleOfCausesIsWrittenOnce() throws Exception {
    Exception a = new Exception("a");
    Exception b = new Exception("b", a);
    a.initCause(b);
    List<ThrowableCodec.Link> links = roundTrip(a);
    assertThat(links).hasSize(2);
    assertThat(links.get(1).cause()).isEqualTo(-1);
  }

  @Test
  void aStackOverflowKeepsItsFirstFramesOnly() throws Exception {
    StackOverflowError error = new StackOverflowError();
    StackTraceElement frame = new StackTraceElement("C", "m", "C.java", 1);
    StackTraceElement[] frames = new StackTraceElement[5000];
    java.util.Arrays.fill(frames, frame);
    error.setStackTrace(frames);
    assertThat(roundTrip(error).get(0).stackTrace()).hasSize(ThrowableCodec.MAX_FRAMES);
  }

  @Test
  void countsAndReferencesThatCannotBeAreMalformed() {
    assertThatThrownBy(() -> ThrowableCodec.read(ints(-1)))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("a count of -1");
    assertThatThrownBy(() -> ThrowableCodec.read(ints(0)))
        .hasMessageContaining("without an exception");
    // One exception whose frame count is 2^31 - 1.
    ByteWriter huge = new ByteWriter(64).putInt(1).putString("X").putBoolean(false);
    huge.putInt(Integer.MAX_VALUE);
    assertThatThrownBy(() -> ThrowableCodec.read(huge.toByteArray()))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("a count of 2147483647");
    // One exception that names itself as its cause.
    ByteWriter cyclic = new ByteWriter(64).putInt(1).putString("X").putBoolean(false).putInt(0);
    cyclic.putInt(0).putInt(0);
    assertThatThrownBy(() -> ThrowableCodec.read(cyclic.toByteArray()))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("exception 0 refers to 0 of 1");
  }

  private static byte[] ints(int... values) {
    ByteWriter out = new ByteWriter(16);
    for (int value : values) {
      out.putInt(value);
    }
    return out.toByteArray();
  }
}
