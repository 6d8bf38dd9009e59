package dev.isolate.examples.jni;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where {@link System#loadLibrary} would find a library in this JVM, without loading it. */
public final class LibraryPath {
  private LibraryPath() {}

  /**
   * The file of {@code library} ({@code lib<library>.so} on Linux) in the first directory of this
   * JVM's {@code java.library.path} that has it, as {@link System#loadLibrary} searches them.
   */
  public static Optional<Path> find(String library) {
    String fileName = System.mapLibraryName(library);
    for (String directory : System.getProperty("java.library.path", "").split(File.pathSeparator)) {
      if (directory.isEmpty()) {
        continue;
      }
      Path file = Path.of(directory, fileName).toAbsolutePath();
      if (Files.isRegularFile(file)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether a file named like {@code library} is mapped into this process, read from {@code
   * /proc/self/maps}: whether this JVM has loaded it.
   */
  public static boolean isLoadedHere(String library) {
    String fileName = "/" + System.mapLibraryName(library);
    try {
      return Files.readAllLines(Path.of("/proc/self/maps")).stream()
          .anyMatch(line -> line.endsWith(fileName));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
