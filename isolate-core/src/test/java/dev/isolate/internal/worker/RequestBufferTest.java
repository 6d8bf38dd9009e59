package dev.isolate.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.isolate.internal.wire.ByteWriter;
import dev.isolate.internal.wire.Bytes;
import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.FrameHeader;
import dev.isolate.internal.wire.MalformedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The worker image finds the caller's frames whole however they arrive, and reads calls in place.
 */
class RequestBufferTest {

  private static byte[] callerBytes(int callableSize) {
    ByteWriter out = new ByteWriter(1024);
    byte[] callable = new byte[callableSize];
    Arrays.fill(callable, (byte) 7);
    new Frame.Call(1, new CallLimits(10, 20, 30, 1 << 20), 0, false, callable).encode(out);
    new Frame.Cancel(1).encode(out);
    new Frame.Prepare(List.of("Cx.Y")).encode(out);
    new Frame.Call(2, new CallLimits(0, 0, 0, 1 << 20), 0, false, new byte[] {5}).encode(out);
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 64, 100_000})
  void framesComeOutWholeWhateverTheChunksAndCallsAreReadInPlace(int chunk) throws Exception {
    // A callable larger than the buffer's first array: it grows, and compacts between frames.
    byte[] bytes = callerBytes(300 * 1024);
    RequestBuffer buffer = new RequestBuffer();
    List<String> seen = new ArrayList<>();
    for (int at = 0; at < bytes.length; at += chunk) {
      buffer.append(bytes, at, Math.min(chunk, bytes.length - at));
      FrameHeader header;
      while ((header = buffer.next()) != null) {
        if (Frame.Call.is(header.type())) {
          CallLimits limits =
              Frame.Call.limitsAt(buffer.array(), buffer.payloadOffset(), header.payloadLength());
          int callableLength = header.payloadLength() - Frame.Call.CALLABLE_OFFSET;
          byte first = buffer.array()[buffer.payloadOffset() + Frame.Call.CALLABLE_OFFSET];
          seen.add("call " + header.callId() + " " + limits + " " + callableLength + "x" + first);
        } else {
          seen.add(String.valueOf(header.decodePayload(buffer.array(), buffer.payloadOffset())));
        }
        buffer.consume(header);
      }
    }
    assertThat(seen)
        .containsExactly(
            "call 1 CallLimits[timeoutNanos=10, nativeMemoryBytes=20, cpuSeconds=30,"
                + " maxResultBytes=1048576] 307200x7",
            "Cancel[callId=1]",
            "Prepare[shapes=[Cx.Y]]",
            "call 2 CallLimits[timeoutNanos=0, nativeMemoryBytes=0, cpuSeconds=0,"
                + " maxResultBytes=1048576] 1x5");
  }

  @Test
  void aPartialFrameIsNotAFrame() throws Exception {
    byte[] bytes = callerBytes(10);
    RequestBuffer buffer = new RequestBuffer();
    buffer.append(bytes, 0, Frame.HEADER_BYTES + 3);
    assertThat(buffer.next()).isNull();
  }

  @Test
  void aCorruptLengthIsMalformed() {
    byte[] bytes = callerBytes(10);
    Bytes.putInt(bytes, 0, 3);
    RequestBuffer buffer = new RequestBuffer();
    buffer.append(bytes, 0, bytes.length);
    assertThatThrownBy(buffer::next)
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("a frame length of 3");
  }
}
