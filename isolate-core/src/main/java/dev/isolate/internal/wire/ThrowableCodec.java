package dev.isolate.internal.wire;

import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An exception and its cause chain as plain data (class name, message, stack trace), so that it can
 * cross the pipe whatever its fields are; the caller rebuilds it from this.
 */
public final class ThrowableCodec {
  /** Causes beyond this depth are dropped. */
  static final int MAX_CHAIN = 32;

  /** Stack frames beyond this count are dropped (a StackOverflowError has thousands). */
  static final int MAX_FRAMES = 1024;

  /** One exception of a chain, outermost first. */
  public record Link(String className, String message, StackTraceElement[] stackTrace) {}

  private ThrowableCodec() {}

  /**
   * Writes {@code throwable} and its causes. Allocates little, so that it still works after an
   * OutOfMemoryError.
   */
  public static void write(Output output, Throwable throwable) {
    List<Throwable> chain = new ArrayList<>();
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = throwable;
        t != null && chain.size() < MAX_CHAIN && seen.put(t, Boolean.TRUE) == null;
        t = t.getCause()) {
      chain.add(t);
    }
    output.writeVarInt(chain.size(), true);
    for (Throwable t : chain) {
      output.writeString(t.getClass().getName());
      output.writeString(safeMessage(t));
      StackTraceElement[] frames = t.getStackTrace();
      int count = Math.min(frames.length, MAX_FRAMES);
      output.writeVarInt(count, true);
      for (int i = 0; i < count; i++) {
        StackTraceElement frame = frames[i];
        output.writeString(frame.getClassName());
        output.writeString(frame.getMethodName());
        output.writeString(frame.getFileName());
        output.writeInt(frame.getLineNumber());
      }
    }
  }

  private static String safeMessage(Throwable t) {
    try {
      return t.getMessage();
    } catch (RuntimeException e) {
      return "(getMessage() threw " + e.getClass().getName() + ")";
    }
  }

  /** Reads a chain written by {@link #write}, outermost first. */
  public static List<Link> read(byte[] bytes) {
    Input input = new Input(bytes);
    int count = input.readVarInt(true);
    List<Link> chain = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String className = input.readString();
      String message = input.readString();
      int frames = input.readVarInt(true);
      StackTraceElement[] stack = new StackTraceElement[frames];
      for (int f = 0; f < frames; f++) {
        String declaringClass = input.readString();
        String method = input.readString();
        String file = input.readString();
        int line = input.readInt();
        stack[f] = new StackTraceElement(declaringClass, method, file, line);
      }
      chain.add(new Link(className, message, stack));
    }
    return chain;
  }
}
