package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.isolate.posix.Errno;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each system call of the per-call path fails once, for real errno, in a real worker image (see
 * {@link FaultyWorkerMain}); the call is classified by the operation that failed, and the next call
 * on the same worker image succeeds.
 */
@EnabledOnOs(OS.LINUX)
@Timeout(60)
class FaultInjectionIT {

  @ParameterizedTest(name = "{0} failing in the {1} with {2} -> {3}, a {4}")
  @CsvSource({
    "pipe,              parent, 24, PIPE_CREATION_FAILED, CallableDidNotExecuteException",
    "fork,              parent, 11, FORK_FAILED, CallableDidNotExecuteException",
    "close,             parent, 5,  PARENT_PIPE_CLOSE_FAILED, CallableStatusUnknownException",
    "read,              parent, 5,  PARENT_PIPE_READ_FAILED, CallableStatusUnknownException",
    "waitpid,           parent, 10, WAIT_FAILED, CallableStatusUnknownException",
    "waitpid-other-pid, parent, 0,  UNEXPECTED_WAITPID_RETURN_VALUE,"
        + " CallableStatusUnknownException",
    "close,             child,  9,  CHILD_PIPE_CLOSE_FAILED, CallableDidNotExecuteException",
    "prctl,             child,  22, CHILD_SETUP_FAILED, CallableDidNotExecuteException",
    "write,             child,  32, CHILD_PIPE_WRITE_FAILED, CallableExecutedException",
  })
  void failedSystemCallIsClassifiedByTheOperationThatFailed(
      String call, String side, int errno, Reason expected, String exceptionClass)
      throws Exception {
    try (Isolator isolator =
        Isolator.builder()
            .seams(
                seams ->
                    seams.workerMain(
                        FaultyWorkerMain.class.getName(), call + ":" + errno + ":" + side))
            // Each call forks its child, so that the fault lands in the call's own path; a spare
            // that fails its set-up is discarded before it has a call (PreforkedPoolIT).
            .preforkedChildren(0)
            .build()) {
      // A callable that throws: its outcome waits for the child's exit status, so that a failed
      // waitpid() decides it (a whole value is returned as soon as it has arrived).
      assertThatThrownBy(
              () ->
                  isolator.execute(
                      () -> {
                        throw new IllegalStateException("the outcome needs the exit status");
                      }))
          .isInstanceOfSatisfying(
              MemIsolateException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(expected);
                assertThat(e.getClass().getSimpleName()).isEqualTo(exceptionClass);
                if (errno != 0 && expected != Reason.CHILD_PIPE_WRITE_FAILED) {
                  assertThat(e.errno()).hasValue(errno);
                  assertThat(e).hasMessageContaining(Errno.name(errno));
                }
              });
      // The fault fired once; the worker image is intact.
      assertThat(isolator.execute(() -> 6 * 7)).isEqualTo(42);
    }
  }

  @Test
  void aChildStuckOnALockBeforeItsCallableIsReplacedAndTheCallSucceeds() throws Exception {
    try (Isolator isolator =
        faulty("prctl:-2:child")
            .seams(seams -> seams.childStuckAfter = Duration.ofMillis(500))
            .build()) {
      // The first child sleeps on a lock in prctl(), before its callable, as a child forked while a
      // HotSpot thread held a lock does. It is taken for stuck, killed, and the call goes to a new
      // child.
      long start = System.nanoTime();
      assertThat(isolator.execute(() -> 6 * 7)).isEqualTo(42);
      // Found by its state, well before the 30 s setup limit.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void aChildThatNeverReachesItsCallableTwiceIsReportedAsNotRun() throws Exception {
    try (Isolator isolator =
        faulty("prctl:-1:children")
            .seams(seams -> seams.childSetupLimit = Duration.ofSeconds(1))
            .build()) {
      long start = System.nanoTime();
      // Every child hangs in prctl() (asleep in poll, not on a lock): each is killed at the setup
      // limit.
      MemIsolateException e = Failures.of(() -> isolator.execute(() -> 6 * 7));
      assertThat(e.reason()).isEqualTo(Reason.CHILD_SETUP_FAILED);
      assertThat(e.category()).isEqualTo(Category.DID_NOT_EXECUTE);
      assertThat(e).hasMessageContaining("did not reach the callable within the setup limit");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      assertThat(Path.of("/proc/" + e.childPid().orElseThrow())).doesNotExist();
    }
  }

  private static Isolator.Builder faulty(String fault) {
    return Isolator.builder()
        .seams(seams -> seams.workerMain(FaultyWorkerMain.class.getName(), fault))
        .preforkedChildren(0);
  }
}
