package dev.isolate.internal.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import java.io.InputStream;
import java.io.ObjectInputFilter;

/**
 * The caller's Kryo for a child's value, which it believes no more than any input: every class it
 * would resolve is shown to a filter before any instance of it is made and before it is
 * initialized, lengths must fit in the bytes that remain, and the graph may not nest deeper than
 * the filter's depth. Not thread-safe; one decode at a time.
 */
public final class DecodingKryo extends Kryo {
  /** A class, or a limit, the filter rejected. */
  public static final class Rejected extends KryoException {
    private static final long serialVersionUID = 1L;
    private final transient Class<?> type;
    private final long arrayLength;

    Rejected(Class<?> type, long arrayLength, String what) {
      super(what);
      this.type = type;
      this.arrayLength = arrayLength;
    }

    /** The class rejected, or null for a limit. */
    public Class<?> type() {
      return type;
    }

    /** The array length rejected, or -1. */
    public long arrayLength() {
      return arrayLength;
    }
  }

  private final ObjectInputFilter filter;
  private BoundedInput input;
  private long references;

  DecodingKryo(ObjectInputFilter filter) {
    this.filter = filter;
  }

  /**
   * Decodes the value of {@code length} bytes that {@code in} gives.
   *
   * @throws KryoException if it cannot be, {@link Rejected} if the filter said so
   */
  public Object decode(InputStream in, long length) {
    input = new BoundedInput(in, length, this::checkArray);
    references = 0;
    try {
      return readClassAndObject(input);
    } finally {
      input = null;
      reset();
    }
  }

  @Override
  @SuppressWarnings("rawtypes") // Kryo's signature.
  public Registration getRegistration(Class type) {
    if (input != null) {
      check(type, -1);
    }
    return super.getRegistration(type);
  }

  @Override
  public void reference(Object object) {
    references++;
    super.reference(object);
  }

  private void checkArray(Class<?> type, long length) {
    check(type, length);
  }

  /** Shows {@code type} (with {@code arrayLength}, or -1) to the filter, with the limits so far. */
  void check(Class<?> type, long arrayLength) {
    ObjectInputFilter.Status status;
    try {
      status =
          filter.checkInput(new Info(type, arrayLength, getDepth(), references, input.total()));
    } catch (RuntimeException e) {
      throw new Rejected(type, arrayLength, "the result filter threw " + e);
    }
    if (status == ObjectInputFilter.Status.REJECTED) {
      throw new Rejected(
          type,
          arrayLength,
          (type == null ? "a limit" : type.getName())
              + (arrayLength >= 0 ? " of length " + arrayLength : "")
              + " rejected by the result filter at depth "
              + getDepth());
    }
  }

  private record Info(
      Class<?> serialClass, long arrayLength, long depth, long references, long streamBytes)
      implements ObjectInputFilter.FilterInfo {}
}
