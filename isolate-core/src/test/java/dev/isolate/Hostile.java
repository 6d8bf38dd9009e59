package dev.isolate;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.isolate.internal.wire.ByteWriter;
import dev.isolate.internal.wire.ChildRecord;
import dev.isolate.internal.wire.KryoCodec;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;

/**
 * What a child whose native code was taken over does, for tests: it writes to its own result pipe
 * with libc {@code write}, past the runner, forges records and values, signals its worker image,
 * and leaves processes behind. Runs in the child.
 */
final class Hostile {
  private Hostile() {}

  /** The part of libc a hostile child uses. */
  public interface Native {
    Native INSTANCE = LibraryLoader.create(Native.class).load("c");

    long write(int fd, byte[] bytes, long count);

    int getppid();

    int kill(int pid, int signal);

    int fork();

    int pause();

    void _exit(int status);
  }

  /** The child's result pipe: its only writable pipe but standard output and error. */
  static int resultFd() throws IOException {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path entry : fds) {
        int fd = Integer.parseInt(entry.getFileName().toString());
        if (fd > 2 && Files.readSymbolicLink(entry).toString().startsWith("pipe:")) {
          for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")
                && (Integer.parseInt(line.substring(6).strip(), 8) & 3) == 1) {
              return fd;
            }
          }
        }
      }
    }
    throw new IOException("no result pipe among this child's descriptors");
  }

  /** Writes {@code bytes} whole to {@code fd}. */
  static void writeAll(int fd, byte[] bytes) {
    int done = 0;
    while (done < bytes.length) {
      byte[] rest = java.util.Arrays.copyOfRange(bytes, done, bytes.length);
      long n = Native.INSTANCE.write(fd, rest, rest.length);
      if (n <= 0) {
        throw new IllegalStateException("write to fd " + fd + " returned " + n);
      }
      done += n;
    }
  }

  /** One result-pipe record, framed as the child runner frames it. */
  static byte[] record(byte kind, byte[] payload) {
    return new ByteWriter(payload.length + 5)
        .putByte(kind)
        .putInt(payload.length)
        .putBytes(payload, 0, payload.length)
        .toByteArray();
  }

  /** A record header announcing {@code length} bytes, with none of them. */
  static byte[] header(byte kind, int length) {
    return new ByteWriter(5).putByte(kind).putInt(length).toByteArray();
  }

  /** A value, whole, as the runner would write it after the callable: then leave at once. */
  static void sendValueAndExit(byte[] kryoBytes) throws IOException {
    int fd = resultFd();
    writeAll(fd, record(ChildRecord.VALUE_PART, kryoBytes));
    writeAll(fd, record(ChildRecord.VALUE_END, new byte[0]));
    Native.INSTANCE._exit(0);
  }

  /** The Kryo bytes of {@code value}, written on a thread with a stack for deep graphs. */
  static byte[] kryoBytes(Object value) throws InterruptedException {
    byte[][] bytes = new byte[1][];
    Thread writer =
        new Thread(
            null,
            () -> {
              Kryo kryo = KryoCodec.newKryo(Hostile.class.getClassLoader());
              Output output = new Output(4096, -1);
              kryo.writeClassAndObject(output, value);
              bytes[0] = output.toBytes();
            },
            "deep-writer",
            1L << 30);
    writer.start();
    writer.join();
    return bytes[0];
  }

  /**
   * The Kryo bytes of an empty array of {@code type}, but for its length, which says {@code count}:
   * a forged count, with no element behind it.
   */
  static byte[] forgedArray(Class<?> type, int count) {
    Kryo kryo = KryoCodec.newKryo(Hostile.class.getClassLoader());
    Output empty = new Output(64, -1);
    kryo.writeClassAndObject(
        empty, java.lang.reflect.Array.newInstance(type.getComponentType(), 0));
    byte[] bytes = empty.toBytes();
    // The last byte is the length's varint: 0 elements, written as 1.
    Output forged = new Output(64, -1);
    forged.writeBytes(bytes, 0, bytes.length - 1);
    forged.writeVarInt(count + 1, true);
    return forged.toBytes();
  }
}
