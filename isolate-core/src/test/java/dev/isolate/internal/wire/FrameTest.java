package dev.isolate.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every frame written by one end is read back the same by the other, and bad bytes are refused. */
class FrameTest {

  static Stream<Frame> everyFrame() {
    return Stream.of(
        new Frame.Configure(
            new WorkerSettings(
                2,
                30_000_000_000L,
                5_000_000_000L,
                1,
                16 << 20,
                true,
                List.of("a.B", "c.D$E"),
                new SandboxRules(true, true, true, List.of("/tmp/out", "/tmp/crash"), true))),
        new Frame.Configure(new WorkerSettings(0, 1, 1, 0, 0, false, List.of(), SandboxRules.NONE)),
        WorkerFrame.Heartbeat.INSTANCE,
        new Frame.Call(
            7,
            new CallLimits(1_000_000, 1 << 20, 3, 1 << 20),
            0,
            false,
            new byte[] {1, 2, 3, 4, 5}),
        new Frame.Call(8, new CallLimits(0, 0, 0, 1 << 20), 3, true, new byte[0]),
        new Frame.Cancel(9),
        new Frame.Prepare(List.of("Cdev.example.Type", "L a b c", "")),
        new Frame.DefineLoader(1, 0, List.of("/plugins/a.jar", "/plugins/classes")),
        new Frame.DefineLoader(2, 1, List.of()),
        new WorkerFrame.Preloading("com.example.Codec", ""),
        new WorkerFrame.Preloading("com.example.Pool", "started 1 thread(s)"),
        new WorkerFrame.Ready(4242),
        new WorkerFrame.Started(10, 4243, 16_384),
        new WorkerFrame.Stream(WorkerFrame.Stream.RESULT, 11, new byte[] {9, 8, 7}),
        new WorkerFrame.Stream(WorkerFrame.Stream.STDOUT, 11, "hello\n".getBytes()),
        new WorkerFrame.Stream(WorkerFrame.Stream.STDERR, 11, new byte[0]),
        new WorkerFrame.OutputEnded(11, 0, 5),
        new WorkerFrame.Exited(11, 4243, 0x0600, true, false, true, false, 12, 40_960, 0, 99),
        new WorkerFrame.Failed(12, WorkerStep.WAIT_RETURNED_OTHER_PID, 10, 4244, true, 9, 4245),
        new WorkerFrame.Failed(13, WorkerStep.PIPE, 24, 0, false, 0, 0));
  }

  @ParameterizedTest
  @MethodSource("everyFrame")
  void aFrameReadsBackAsItWasWritten(Frame frame) throws Exception {
    byte[] bytes = frame.encode();
    FrameHeader header = FrameHeader.read(bytes, 0, Integer.MAX_VALUE);
    assertThat(header.type()).isEqualTo(frame.type());
    assertThat(header.callId()).isEqualTo(frame.callId());
    assertThat(Frame.HEADER_BYTES + header.payloadLength()).isEqualTo(bytes.length);
    Frame read = header.decodePayload(bytes, Frame.HEADER_BYTES);
    assertThat(read).usingRecursiveComparison().isEqualTo(frame);
  }

  @Test
  void aCallIsReadInPlaceWithItsLimitsFirst() throws Exception {
    Frame.Call call =
        new Frame.Call(3, new CallLimits(5, 6, 7, 1 << 20), 2, false, new byte[] {42, 43});
    byte[] bytes = call.encode();
    CallLimits limits =
        Frame.Call.limitsAt(bytes, Frame.HEADER_BYTES, bytes.length - Frame.HEADER_BYTES);
    assertThat(limits).isEqualTo(new CallLimits(5, 6, 7, 1 << 20));
    assertThat(Frame.Call.loaderAt(bytes, Frame.HEADER_BYTES, bytes.length - Frame.HEADER_BYTES))
        .isEqualTo(2);
    assertThat(bytes[Frame.HEADER_BYTES + Frame.Call.CALLABLE_OFFSET]).isEqualTo((byte) 42);
  }

  @Test
  void aLengthThatCannotBeIsRefusedBeforeAnythingIsAllocated() {
    byte[] header = new WorkerFrame.Ready(1).encode();
    Bytes.putInt(header, 0, -5);
    assertThatThrownBy(() -> FrameHeader.read(header, 0, 1024))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("a frame length of -5");
    Bytes.putInt(header, 0, Integer.MAX_VALUE);
    assertThatThrownBy(() -> FrameHeader.read(header, 0, 1 << 20))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("payload at most 1048576 bytes");
  }

  @Test
  void anUnknownTypeOrBytesLeftOverAreMalformed() {
    assertThatThrownBy(() -> FrameHeader.decode((byte) 99, 0, new byte[0], 0, 0))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("an unknown frame type 99");
    byte[] ready = new byte[5];
    assertThatThrownBy(() -> FrameHeader.decode((byte) 10, 0, ready, 0, 5))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("1 bytes left over");
    assertThatThrownBy(() -> FrameHeader.decode((byte) 10, 0, ready, 0, 3))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("needs 4 more bytes");
  }

  @Test
  void aFieldOutOfItsRangeIsMalformed() {
    byte[] exited =
        new WorkerFrame.Exited(1, 2, 0, false, false, false, false, 0, 0, 0, 0).encode();
    exited[Frame.HEADER_BYTES + 8] = 2;
    assertThatThrownBy(
            () ->
                FrameHeader.decode(
                    exited[4], 1, exited, Frame.HEADER_BYTES, exited.length - Frame.HEADER_BYTES))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("a boolean of 2");
    byte[] failed = new WorkerFrame.Failed(1, WorkerStep.FORK, 0, 0, false, 0, 0).encode();
    Bytes.putInt(failed, Frame.HEADER_BYTES, 77);
    assertThatThrownBy(
            () ->
                FrameHeader.decode(
                    failed[4], 1, failed, Frame.HEADER_BYTES, failed.length - Frame.HEADER_BYTES))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("an unknown worker step 77");
    byte[] prepare = new Frame.Prepare(List.of("x")).encode();
    Bytes.putInt(prepare, Frame.HEADER_BYTES, Integer.MAX_VALUE);
    assertThatThrownBy(
            () ->
                FrameHeader.decode(
                    prepare[4],
                    0,
                    prepare,
                    Frame.HEADER_BYTES,
                    prepare.length - Frame.HEADER_BYTES))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("a count of 2147483647");
    // A loader must come after its parent, and a call may name only the loaders there can be.
    byte[] loader = new Frame.DefineLoader(3, 3, List.of()).encode();
    assertThatThrownBy(
            () ->
                FrameHeader.decode(
                    loader[4], 0, loader, Frame.HEADER_BYTES, loader.length - Frame.HEADER_BYTES))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("a loader 3 with parent 3");
    byte[] call =
        new Frame.Call(1, new CallLimits(0, 0, 0, 1 << 20), 0, false, new byte[0]).encode();
    Bytes.putInt(call, Frame.HEADER_BYTES + CallLimits.BYTES, -1);
    assertThatThrownBy(
            () -> Frame.Call.loaderAt(call, Frame.HEADER_BYTES, call.length - Frame.HEADER_BYTES))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("a call's loader -1");
  }

  @Test
  void settingsOutOfRangeAreMalformed() {
    byte[] bytes =
        new Frame.Configure(new WorkerSettings(-1, 1, 1, 0, 0, false, List.of(), SandboxRules.NONE))
            .encode();
    assertThatThrownBy(
            () ->
                FrameHeader.decode(
                    bytes[4], 0, bytes, Frame.HEADER_BYTES, bytes.length - Frame.HEADER_BYTES))
        .isInstanceOf(MalformedException.class)
        .hasMessageContaining("worker settings out of range");
  }
}
