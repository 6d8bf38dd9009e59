package dev.isolate.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which of a worker image's mappings it collapses into huge pages, read from a maps text. */
class PageTablesTest {
  private static final String MAPS =
      String.join(
          "\n",
          // The Java heap, committed: collapsed.
          "d8000000-f0000000 rw-p 00000000 00:00 0 ",
          // Its reserved, inaccessible rest: not.
          "f0000000-100000000 ---p 00000000 00:00 0 ",
          // The CDS archive, a file: not.
          "800000000-800a00000 rw-p 00001000 fe:01 1234   /usr/lib/jvm/lib/server/classes.jsa",
          // The code cache, executable: not.
          "7f0000000000-7f0000400000 rwxp 00000000 00:00 0 ",
          // A malloc arena: collapsed.
          "7f1000000000-7f1004000000 rw-p 00000000 00:00 0 ",
          // A thread stack under one huge page: not.
          "7f2000000000-7f2000100000 rw-p 00000000 00:00 0 ",
          // The brk heap: collapsed.
          "55d000000000-55d000400000 rw-p 00000000 00:00 0                          [heap]",
          // The main stack: not.
          "7ffd00000000-7ffd00400000 rw-p 00000000 00:00 0                          [stack]",
          // A line cut short at the end of the buffer: ignored.
          "7f3000000000-7f30");

  @Test
  void collapsesThePrivateWritableAnonymousMappingsOfAtLeastOneHugePage() {
    byte[] bytes = MAPS.getBytes(StandardCharsets.US_ASCII);
    List<String> ranges = new ArrayList<>();

    PageTables.collapsible(
        bytes,
        bytes.length,
        (start, length) -> ranges.add(Long.toHexString(start) + "+" + (length >> 20) + "M"));

    assertThat(ranges).containsExactly("d8000000+384M", "7f1000000000+64M", "55d000000000+4M");
  }

  @Test
  void collapsingNeedsLinux61() {
    assertThat(PageTables.kernelHasCollapse("6.18.44-fc-v669")).isTrue();
    assertThat(PageTables.kernelHasCollapse("6.1.0")).isTrue();
    assertThat(PageTables.kernelHasCollapse("6.0.19")).isFalse();
    assertThat(PageTables.kernelHasCollapse("5.15.0-91-generic")).isFalse();
    assertThat(PageTables.kernelHasCollapse("7.0")).isTrue();
    assertThat(PageTables.kernelHasCollapse("")).isFalse();
  }
}
