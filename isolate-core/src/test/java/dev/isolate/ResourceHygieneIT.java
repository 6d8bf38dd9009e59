package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** After many calls, the caller holds nothing more than it did, and no process is left unreaped. */
@EnabledOnOs(OS.LINUX)
@Timeout(300)
class ResourceHygieneIT {

  private static List<String> settledDescriptors() throws Exception {
    List<String> previous = ProcessTable.descriptors();
    for (int i = 0; i < 50; i++) {
      Thread.sleep(100);
      List<String> now = ProcessTable.descriptors();
      if (now.equals(previous)) {
        return now;
      }
      previous = now;
    }
    return previous;
  }

  /** This JVM's isolate threads but the dispatcher, which exits when idle for a second. */
  private static Set<String> isolateThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(name -> name.startsWith("isolate-") && !name.equals("isolate-dispatcher"))
        .collect(Collectors.toSet());
  }

  @Test
  void thousandCallsLeaveNoThreadDescriptorOrProcessBehind() throws Exception {
    try (Isolator isolator = Isolator.builder().forwardChildOutput(false).build()) {
      isolator.execute(() -> 0);
      Set<String> threadsBefore = isolateThreads();
      // Earlier tests' worker images may still be exiting, their pipes closed by the JDK's process
      // reaper.
      List<String> fdsBefore = settledDescriptors();
      long callerPid = ProcessHandle.current().pid();
      long workerPid = isolator.workerPid();
      // Other tests' worker images (MemIsolate's default one) may be children of this JVM too.
      List<String> callerChildrenBefore = ProcessTable.children(callerPid);

      for (int i = 0; i < 1000; i++) {
        int n = i;
        if (i % 100 == 99) {
          assertThatThrownBy(() -> isolator.execute(Libc::segfault))
              .isInstanceOf(CallableStatusUnknownException.class);
        } else if (i % 100 == 98) {
          assertThatThrownBy(
                  () ->
                      isolator.execute(
                          () -> {
                            throw new IllegalStateException("x");
                          }))
              .isInstanceOf(CallableExecutedException.class);
        } else {
          assertThat(isolator.execute(() -> n + 1)).isEqualTo(n + 1);
        }
      }

      // The worker image's reader and stderr pump, the same ones; the dispatcher comes and goes.
      assertThat(isolateThreads()).isEqualTo(threadsBefore);
      List<String> fdsAfter = ProcessTable.descriptors();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!fdsAfter.equals(fdsBefore) && System.nanoTime() < deadline) {
        Thread.sleep(100);
        fdsAfter = ProcessTable.descriptors();
      }
      assertThat(fdsAfter).containsExactlyInAnyOrderElementsOf(fdsBefore);
      List<String> callerChildren = ProcessTable.children(callerPid);
      assertThat(callerChildren)
          .containsExactlyInAnyOrderElementsOf(callerChildrenBefore)
          .contains(workerPid + ":S");
      // The worker image's children are all reaped, no zombie left: what remains are its spares.
      assertThat(ProcessTable.settledChildren(workerPid))
          .hasSizeLessThanOrEqualTo(ProcessTable.SPARES)
          .allMatch(child -> child.endsWith(":S"));
      assertThat(isolator.workerPid()).isEqualTo(workerPid);
    }
  }
}
