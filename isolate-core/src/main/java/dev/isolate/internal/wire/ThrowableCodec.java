package dev.isolate.internal.wire;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An exception with its causes and suppressed exceptions as plain data (class name, message, stack
 * trace), so that it can cross the pipe whatever its fields are; the caller rebuilds it from this.
 * Each exception is written once, before the ones it refers to, so that what is read back is a tree
 * whatever the bytes say: every reference points forward, and counts and sizes are bounded.
 */
public final class ThrowableCodec {
  /** Exceptions beyond this many (causes and suppressed ones together) are dropped. */
  static final int MAX_THROWABLES = 64;

  /** Stack frames beyond this count are dropped (a StackOverflowError has thousands). */
  static final int MAX_FRAMES = 1024;

  /** The longest class name, message or frame element read back. */
  static final int MAX_STRING_BYTES = 64 * 1024;

  private static final int NONE = -1;

  /**
   * One exception of the tree: the first is the one thrown.
   *
   * @param cause the index of its cause in the list, or -1
   * @param suppressed the indices of its suppressed exceptions
   */
  public record Link(
      String className,
      String message,
      StackTraceElement[] stackTrace,
      int cause,
      int[] suppressed) {}

  private ThrowableCodec() {}

  /** Writes {@code throwable} with its causes and suppressed exceptions. */
  public static void write(ByteWriter out, Throwable throwable) {
    List<Throwable> order = new ArrayList<>();
    Map<Throwable, Integer> index = new IdentityHashMap<>();
    collect(throwable, order, index);
    out.putInt(order.size());
    for (int i = 0; i < order.size(); i++) {
      Throwable t = order.get(i);
      out.putString(t.getClass().getName());
      String message = safeMessage(t);
      out.putBoolean(message != null);
      if (message != null) {
        out.putString(message);
      }
      StackTraceElement[] frames = t.getStackTrace();
      int count = Math.min(frames.length, MAX_FRAMES);
      out.putInt(count);
      for (int f = 0; f < count; f++) {
        StackTraceElement frame = frames[f];
        out.putString(frame.getClassName());
        out.putString(frame.getMethodName());
        out.putBoolean(frame.getFileName() != null);
        if (frame.getFileName() != null) {
          out.putString(frame.getFileName());
        }
        out.putInt(frame.getLineNumber());
      }
      // Only forward references: one to an exception written earlier (shared) is dropped.
      out.putInt(forward(index.get(t.getCause()), i));
      List<Integer> suppressed = new ArrayList<>();
      for (Throwable s : t.getSuppressed()) {
        if (forward(index.get(s), i) != NONE) {
          suppressed.add(index.get(s));
        }
      }
      out.putInt(suppressed.size());
      for (int s : suppressed) {
        out.putInt(s);
      }
    }
  }

  private static int forward(Integer to, int from) {
    return to != null && to > from ? to : NONE;
  }

  /** Numbers {@code t} and what it refers to in depth-first order, each once, up to the bound. */
  private static void collect(Throwable t, List<Throwable> order, Map<Throwable, Integer> index) {
    if (t == null || index.containsKey(t) || order.size() >= MAX_THROWABLES) {
      return;
    }
    index.put(t, order.size());
    order.add(t);
    collect(t.getCause(), order, index);
    for (Throwable s : t.getSuppressed()) {
      collect(s, order, index);
    }
  }

  private static String safeMessage(Throwable t) {
    try {
      return t.getMessage();
    } catch (RuntimeException e) {
      return "(getMessage() threw " + e.getClass().getName() + ")";
    }
  }

  /** Reads what {@link #write} wrote; the first link is the exception thrown. */
  public static List<Link> read(byte[] bytes) throws MalformedException {
    ByteReader in = new ByteReader(bytes, 0, bytes.length);
    int count = in.getCount(MAX_THROWABLES);
    if (count == 0) {
      throw new MalformedException("an exception record without an exception");
    }
    List<Link> links = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String className = in.getString(MAX_STRING_BYTES);
      String message = in.getBoolean() ? in.getString(MAX_STRING_BYTES) : null;
      int frames = in.getCount(MAX_FRAMES);
      StackTraceElement[] stack = new StackTraceElement[frames];
      for (int f = 0; f < frames; f++) {
        String declaringClass = in.getString(MAX_STRING_BYTES);
        String method = in.getString(MAX_STRING_BYTES);
        String file = in.getBoolean() ? in.getString(MAX_STRING_BYTES) : null;
        stack[f] = new StackTraceElement(declaringClass, method, file, in.getInt());
      }
      int cause = reference(in.getInt(), i, count, true);
      int[] suppressed = new int[in.getCount(MAX_THROWABLES)];
      for (int s = 0; s < suppressed.length; s++) {
        suppressed[s] = reference(in.getInt(), i, count, false);
      }
      links.add(new Link(className, message, stack, cause, suppressed));
    }
    in.expectEnd();
    return links;
  }

  /** A reference from exception {@code from}: forward only, so the result has no cycle. */
  private static int reference(int to, int from, int count, boolean mayBeNone)
      throws MalformedException {
    if (to == NONE && mayBeNone) {
      return NONE;
    }
    if (to <= from || to >= count) {
      throw new MalformedException(
          "exception " + from + " refers to " + to + " of " + count + " (only later ones)");
    }
    return to;
  }
}
