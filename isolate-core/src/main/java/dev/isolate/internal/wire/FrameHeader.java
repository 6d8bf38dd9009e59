package dev.isolate.internal.wire;

/**
 * The header of a {@link Frame}, read in place: {@code int length} (of what follows), {@code byte
 * type}, {@code long callId}; and the decoding of the payload that follows it into its frame.
 */
public record FrameHeader(byte type, long callId, int payloadLength) {
  /**
   * Reads the header at {@code offset}, checking its length against {@code maxPayload}.
   *
   * @throws MalformedException if the length is negative or above {@code maxPayload}
   */
  public static FrameHeader read(byte[] bytes, int offset, int maxPayload)
      throws MalformedException {
    ByteReader in = new ByteReader(bytes, offset, Frame.HEADER_BYTES);
    int length = in.getInt();
    int payload = length - (Frame.HEADER_BYTES - 4);
    if (payload < 0 || payload > maxPayload) {
      throw new MalformedException(
          "a frame length of " + length + " (payload at most " + maxPayload + " bytes)");
    }
    return new FrameHeader(in.getByte(), in.getLong(), payload);
  }

  /** Its frame's payload, decoded from {@code bytes} at {@code offset}. */
  public Frame decodePayload(byte[] bytes, int offset) throws MalformedException {
    return decode(type, callId, bytes, offset, payloadLength);
  }

  /** Decodes the payload of a frame of {@code type}. */
  static Frame decode(byte type, long callId, byte[] bytes, int offset, int length)
      throws MalformedException {
    ByteReader in = new ByteReader(bytes, offset, length);
    Frame frame =
        switch (type) {
          case Frame.Configure.TYPE -> new Frame.Configure(WorkerSettings.read(in));
          case Frame.Call.TYPE -> Frame.Call.read(callId, in);
          case Frame.Cancel.TYPE -> new Frame.Cancel(callId);
          case Frame.Prepare.TYPE -> Frame.Prepare.read(in);
          case Frame.DefineLoader.TYPE -> Frame.DefineLoader.read(in);
          case WorkerFrame.Ready.TYPE -> new WorkerFrame.Ready(in.getInt());
          case WorkerFrame.Started.TYPE ->
              new WorkerFrame.Started(callId, in.getInt(), in.getInt());
          case WorkerFrame.Stream.RESULT, WorkerFrame.Stream.STDOUT, WorkerFrame.Stream.STDERR ->
              WorkerFrame.Stream.read(type, callId, in);
          case WorkerFrame.OutputEnded.TYPE -> WorkerFrame.OutputEnded.read(callId, in);
          case WorkerFrame.Heartbeat.TYPE -> WorkerFrame.Heartbeat.INSTANCE;
          case WorkerFrame.Preloading.TYPE -> WorkerFrame.Preloading.read(in);
          case WorkerFrame.Exited.TYPE -> WorkerFrame.Exited.read(callId, in);
          case WorkerFrame.Failed.TYPE -> WorkerFrame.Failed.read(callId, in);
          default -> throw new MalformedException("an unknown frame type " + type);
        };
    in.expectEnd();
    return frame;
  }
}
