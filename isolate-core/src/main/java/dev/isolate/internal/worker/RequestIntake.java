package dev.isolate.internal.worker;

import dev.isolate.internal.wire.CallLimits;
import dev.isolate.internal.wire.Frame;
import dev.isolate.internal.wire.FrameHeader;
import dev.isolate.internal.wire.MalformedException;
import dev.isolate.posix.Errno;
import dev.isolate.posix.NativeBuffer;
import dev.isolate.posix.SyscallException;
import dev.isolate.posix.Syscalls;
import java.util.List;

/** Reads the caller's frames from the protocol descriptor and hands each to the zygote. */
final class RequestIntake {
  /** What the zygote does with each frame. */
  interface Handler {
    /**
     * A call, whose frame payload (its limits, then the callable) is {@code payloadLength} bytes at
     * {@code payloadOffset} of {@code bytes}.
     */
    void call(long callId, CallLimits limits, byte[] bytes, int payloadOffset, int payloadLength);

    void cancel(long callId);

    void prepare(List<String> shapes);

    /** The caller defined a class loader that calls to come will name. */
    void defineLoader(Frame.DefineLoader loader);
  }

  private final Syscalls syscalls;
  private final int fd;
  private final NativeBuffer buffer;
  private final RequestBuffer requests = new RequestBuffer();
  private boolean connected = true;

  RequestIntake(Syscalls syscalls, int fd, NativeBuffer buffer) {
    this.syscalls = syscalls;
    this.fd = fd;
    this.buffer = buffer;
  }

  /** Whether the caller is still there: its end of the protocol has not closed. */
  boolean connected() {
    return connected;
  }

  /**
   * Waits for the first frame, which must be the worker image's settings.
   *
   * @throws MalformedException if the caller sent anything else, or left first
   */
  Frame.Configure awaitConfigure() throws MalformedException {
    while (connected) {
      FrameHeader header = requests.next();
      if (header != null) {
        Frame frame = header.decodePayload(requests.array(), requests.payloadOffset());
        requests.consume(header);
        if (frame instanceof Frame.Configure configure) {
          return configure;
        }
        throw new MalformedException("the first frame is " + frame + ", not the settings");
      }
      readSome();
    }
    throw new MalformedException("the caller closed the protocol before it sent the settings");
  }

  /**
   * Reads what the caller has sent and hands every whole frame to {@code handler}.
   *
   * @throws MalformedException if a frame is malformed: the caller is not this library
   */
  void readAndHandle(Handler handler) throws MalformedException {
    readSome();
    FrameHeader header;
    while ((header = requests.next()) != null) {
      byte[] bytes = requests.array();
      int payload = requests.payloadOffset();
      if (Frame.Call.is(header.type())) {
        CallLimits limits = Frame.Call.limitsAt(bytes, payload, header.payloadLength());
        Frame.Call.loaderAt(bytes, payload, header.payloadLength());
        handler.call(header.callId(), limits, bytes, payload, header.payloadLength());
      } else {
        Frame frame = header.decodePayload(bytes, payload);
        if (frame instanceof Frame.Cancel cancel) {
          handler.cancel(cancel.callId());
        } else if (frame instanceof Frame.Prepare prepare) {
          handler.prepare(prepare.shapes());
        } else if (frame instanceof Frame.DefineLoader loader) {
          handler.defineLoader(loader);
        } else {
          throw new MalformedException("the caller sent " + frame);
        }
      }
      requests.consume(header);
    }
  }

  private void readSome() {
    int n;
    try {
      n = syscalls.read(fd, buffer, 0, buffer.capacity());
    } catch (SyscallException e) {
      if (e.errno() != Errno.EINTR && e.errno() != Errno.EAGAIN) {
        connected = false;
      }
      return;
    }
    if (n == 0) {
      // The caller closed its end (Isolator.close, or the caller's JVM died): stop.
      connected = false;
      return;
    }
    requests.append(buffer, n);
  }
}
