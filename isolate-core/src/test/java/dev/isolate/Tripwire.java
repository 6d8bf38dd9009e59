package dev.isolate;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Classes a hostile child can name in what it sends, each counting in this JVM every time code of
 * it runs here: in the caller, every count must stay at zero.
 */
final class Tripwire {
  static final AtomicInteger INITIALIZED = new AtomicInteger();
  static final AtomicInteger CONSTRUCTED = new AtomicInteger();
  static final AtomicInteger HASHED = new AtomicInteger();
  static final AtomicInteger READ = new AtomicInteger();

  private Tripwire() {}

  static int total() {
    return INITIALIZED.get() + CONSTRUCTED.get() + HASHED.get() + READ.get();
  }

  /** A value class with a static initializer and a constructor. */
  static final class Booby {
    static {
      INITIALIZED.incrementAndGet();
    }

    final String payload;

    Booby(String payload) {
      CONSTRUCTED.incrementAndGet();
      this.payload = payload;
    }
  }

  /** A map key whose hashCode and equals have side effects. */
  static final class SideEffectKey {
    final int id;

    SideEffectKey(int id) {
      this.id = id;
    }

    @Override
    public int hashCode() {
      HASHED.incrementAndGet();
      return id;
    }

    @Override
    public boolean equals(Object other) {
      HASHED.incrementAndGet();
      return other instanceof SideEffectKey key && key.id == id;
    }
  }

  /** A class that reads itself, running its own code as it is decoded. */
  static final class Evil implements KryoSerializable {
    @Override
    public void write(Kryo kryo, Output output) {
      output.writeString("evil");
    }

    @Override
    public void read(Kryo kryo, Input input) {
      READ.incrementAndGet();
      input.readString();
    }
  }

  /** An exception with a static initializer and a (String) constructor. */
  static final class BoobyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static {
      INITIALIZED.incrementAndGet();
    }

    BoobyException(String message) {
      super(message);
      CONSTRUCTED.incrementAndGet();
    }
  }
}
