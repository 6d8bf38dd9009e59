package dev.isolate.examples;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.isolate.examples.jni.CrashyJni;
import dev.isolate.examples.jni.LibraryPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the tests of {@link CrashyJni} need to know about its library, without loading it. */
final class JniLibrary {
  static final String FILE_NAME = System.mapLibraryName(CrashyJni.LIBRARY);

  private JniLibrary() {}

  /**
   * Skips the calling test, saying why, when {@code libcrashy.so} is not in this JVM's {@code
   * java.library.path}: the build compiles it only where gcc exists.
   */
  static void assumeBuilt() {
    assumeTrue(
        LibraryPath.find(CrashyJni.LIBRARY).isPresent(),
        () ->
            FILE_NAME
                + " was not built, so this test cannot load it: no gcc on this machine? The gcc"
                + " profile of isolate-examples compiles src/main/c/crashy.c into target/native"
                + " only where /usr/bin/gcc exists; java.library.path is "
                + System.getProperty("java.library.path"));
  }

  /**
   * Deletes a crash report the test made and its directory if that is left empty: a test run leaves
   * nothing behind.
   */
  static void deleteCrashReport(Path hsErr) throws IOException {
    Files.deleteIfExists(hsErr);
    try {
      Files.deleteIfExists(hsErr.getParent());
    } catch (IOException notEmpty) {
      // Other crash reports are not this test's to remove.
    }
  }
}
