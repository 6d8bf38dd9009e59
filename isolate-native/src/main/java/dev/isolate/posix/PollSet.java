package dev.isolate.posix;

import jnr.ffi.Pointer;

/** An array of {@code struct pollfd { int fd; short events; short revents; }} in native memory. */
public final class PollSet {
  /** {@code POLLIN}: data to read. */
  public static final short POLLIN = 0x1;

  /** {@code POLLERR}: an error on the descriptor. */
  public static final short POLLERR = 0x8;

  /** {@code POLLHUP}: the other end hung up. */
  public static final short POLLHUP = 0x10;

  /** {@code POLLNVAL}: the descriptor is not open. */
  public static final short POLLNVAL = 0x20;

  private static final int ENTRY_SIZE = 8;

  private final Pointer memory;
  private final int capacity;

  PollSet(Pointer memory, int capacity) {
    this.memory = memory;
    this.capacity = capacity;
  }

  Pointer pointer() {
    return memory;
  }

  /** How many entries it holds. */
  public int capacity() {
    return capacity;
  }

  /**
   * Sets entry {@code index} to watch {@code fd} for {@code events}, clearing its {@code revents}.
   */
  public void set(int index, int fd, short events) {
    long at = offset(index);
    memory.putInt(at, fd);
    memory.putShort(at + 4, events);
    memory.putShort(at + 6, (short) 0);
  }

  /** The events {@code poll} reported for entry {@code index}. */
  public short revents(int index) {
    return memory.getShort(offset(index) + 6);
  }

  private long offset(int index) {
    if (index < 0 || index >= capacity) {
      throw new IndexOutOfBoundsException("entry " + index + " of a poll set of " + capacity);
    }
    return (long) index * ENTRY_SIZE;
  }

  static int bytesFor(int capacity) {
    return capacity * ENTRY_SIZE;
  }
}
