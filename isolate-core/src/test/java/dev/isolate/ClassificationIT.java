package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoSerializable;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.isolate.posix.Signals;
import java.io.ObjectInputFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** Each outcome of the classification table, provoked for real in a forked child. */
@EnabledOnOs(OS.LINUX)
@Timeout(60)
class ClassificationIT {
  private static Isolator isolator;

  @TempDir Path temp;

  @BeforeAll
  static void startWorker() {
    isolator =
        Isolator.builder()
            .maxHeapBytes(64L * 1024 * 1024)
            .resultFilter(ObjectInputFilter.Config.createFilter("dev.isolate.**"))
            .build();
  }

  @AfterAll
  static void stopWorker() {
    isolator.close();
  }

  @Test
  void callableThatReturnsGivesItsValue() throws Exception {
    assertThat(isolator.execute(() -> 6 * 7)).isEqualTo(42);
  }

  @Test
  void callableThatThrowsIsExecutedWithItsExceptionRebuilt() {
    assertThatThrownBy(() -> isolator.execute(ClassificationIT::throwWithCause))
        .isInstanceOfSatisfying(
            CallableExecutedException.class,
            e -> {
              assertThat(e.category()).isEqualTo(Category.EXECUTED);
              assertThat(e.reason()).isEqualTo(Reason.CALLABLE_THREW);
              assertThat(e.getCause())
                  .isExactlyInstanceOf(IllegalStateException.class)
                  .hasMessage("outer failure")
                  .hasCauseExactlyInstanceOf(java.io.IOException.class)
                  .hasRootCauseMessage("inner failure");
              // The stack trace is the child's: it names the method that threw.
              assertThat(e.getCause().getStackTrace()[0].getMethodName())
                  .isEqualTo("throwWithCause");
            });
  }

  static int throwWithCause() {
    throw new IllegalStateException("outer failure", new java.io.IOException("inner failure"));
  }

  /** An exception type that cannot be rebuilt from a message: no (String) constructor. */
  static final class CodedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CodedException(int code) {
      super("code " + code);
    }
  }

  @Test
  void exceptionThatCannotBeRebuiltKeepsClassNameMessageAndStack() {
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      throw new CodedException(7);
                    }))
        .isInstanceOfSatisfying(
            CallableExecutedException.class,
            e -> {
              assertThat(e.getCause()).isInstanceOf(RemoteThrowable.class).hasMessage("code 7");
              assertThat(((RemoteThrowable) e.getCause()).originalClassName())
                  .isEqualTo(CodedException.class.getName());
              assertThat(e.getCause().getStackTrace()).isNotEmpty();
            });
  }

  @Test
  void callableThatCannotBeSerializedDidNotExecute() throws Exception {
    Path marker = temp.resolve("ran");
    Thread notSerializable = new Thread(() -> {});
    String markerPath = marker.toString();
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      Files.writeString(Path.of(markerPath), notSerializable.getName());
                      return 1;
                    }))
        .isInstanceOfSatisfying(
            CallableDidNotExecuteException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CALLABLE_SERIALIZATION_FAILED);
              assertThat(e.category().safeToRetry()).isTrue();
              assertThat(e)
                  .hasMessageContaining("(a java.lang.Thread), which cannot be copied to the child")
                  .hasMessageContaining("the callable did not run");
            });
    assertThat(marker).doesNotExist();
  }

  @Test
  void resultThatCannotBeSerializedIsExecuted() {
    assertThatThrownBy(() -> isolator.execute(() -> new Thread(() -> {})))
        .isInstanceOfSatisfying(
            CallableExecutedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.SERIALIZATION_FAILED);
              assertThat(e.getCause()).isNotNull();
            });
  }

  /** Serializes fine in the child; refuses to be read in the caller. */
  static final class RefusesToBeRead implements KryoSerializable {
    @Override
    public void write(Kryo kryo, Output output) {
      output.writeInt(1);
    }

    @Override
    public void read(Kryo kryo, Input input) {
      throw new IllegalStateException("this value refuses to be read");
    }
  }

  @Test
  void resultThatCannotBeDeserializedIsExecuted() {
    assertThatThrownBy(() -> isolator.execute(RefusesToBeRead::new))
        .isInstanceOfSatisfying(
            CallableExecutedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.DESERIALIZATION_FAILED);
              assertThat(e).hasRootCauseMessage("this value refuses to be read");
            });
  }

  @Test
  void nativeSegfaultIsReportedWithTheOriginalSignalAndFrame() {
    assertThatThrownBy(() -> isolator.execute(Libc::segfault))
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
              // HotSpot's crash handler aborts after writing its report.
              assertThat(e.signal()).hasValue(Signals.SIGABRT);
              CrashReport report = e.crashReport().orElseThrow();
              assertThat(report.fatalSignal()).hasValue("SIGSEGV");
              assertThat(report.fatalSignalNumber()).hasValue(Signals.SIGSEGV);
              assertThat(report.faultAddress())
                  .hasValueSatisfying(a -> assertThat(Long.decode(a)).isEqualTo(1L));
              assertThat(report.problematicFrame())
                  .hasValueSatisfying(f -> assertThat(f).contains("libc"));
              assertThat(report.hsErrFile()).hasValueSatisfying(f -> assertThat(f).exists());
              assertThat(e)
                  .hasMessageContaining("SIGABRT after SIGSEGV")
                  .hasMessageContaining("hs_err_pid");
            });
  }

  @Test
  void nativeAbortIsKilledBySigabrt() {
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      Libc.INSTANCE.abort();
                      return 0;
                    }))
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
              assertThat(e.signal()).hasValue(Signals.SIGABRT);
            });
  }

  @Test
  void systemExitEndsTheChildWithItsStatus() {
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      System.exit(3);
                      return 0;
                    }))
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.UNEXPECTED_CHILD_EXIT_STATUS);
              assertThat(e.exitStatus()).hasValue(3);
              assertThat(e).hasMessageContaining("System.exit(3)");
            });
  }

  @Test
  void runtimeHaltEndsTheChildWithItsStatus() {
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      Runtime.getRuntime().halt(4);
                      return 0;
                    }))
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class, e -> assertThat(e.exitStatus()).hasValue(4));
  }

  @Test
  void systemExitWithAUserShutdownHookStillEndsTheChild() {
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      Runtime.getRuntime().addShutdownHook(new Thread(() -> {}));
                      System.exit(5);
                      return 0;
                    }))
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class, e -> assertThat(e.exitStatus()).hasValue(5));
  }

  @Test
  void childKilledFromOutsideIsReportedWithTheSignal() throws Exception {
    Path pidFile = temp.resolve("pid");
    String path = pidFile.toString();
    CompletableFuture<Integer> call =
        isolator.submit(
            () -> {
              Children.announcePid(Path.of(path));
              return Libc.INSTANCE.pause();
            });
    int childPid = Children.awaitPid(pidFile, Duration.ofSeconds(20));
    ProcessHandle.of(childPid).orElseThrow().destroyForcibly();

    assertThatThrownBy(() -> call.get(20, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CHILD_PROCESS_KILLED_BY_SIGNAL);
              assertThat(e.signal()).hasValue(Signals.SIGKILL);
              assertThat(e).hasMessageContaining("child " + childPid + " was killed by SIGKILL");
            });
  }

  @Test
  void childThatExitsZeroWithoutAResultDiedDuringExecution() {
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      Libc.INSTANCE._exit(0);
                      return 0;
                    }))
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CALLABLE_PROCESS_DIED_DURING_EXECUTION);
              assertThat(e.exitStatus()).hasValue(0);
            });
  }

  @Test
  void childThatExitsNonZeroWithoutAResultHasAnUnexpectedStatus() {
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      System.err.println("about to leave");
                      Libc.INSTANCE._exit(7);
                      return 0;
                    }))
        .isInstanceOfSatisfying(
            CallableStatusUnknownException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.UNEXPECTED_CHILD_EXIT_STATUS);
              assertThat(e.exitStatus()).hasValue(7);
              assertThat(e.crashReport().orElseThrow().stderrTail()).contains("about to leave");
            });
  }

  @Test
  void heapExhaustionInTheChildIsAnOutOfMemoryErrorThrown() {
    assertThatThrownBy(
            () ->
                isolator.execute(
                    () -> {
                      java.util.List<long[]> hog = new java.util.ArrayList<>();
                      while (true) {
                        hog.add(new long[1024 * 1024]);
                      }
                    }))
        .isInstanceOfSatisfying(
            CallableExecutedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.CALLABLE_THREW);
              assertThat(e.getCause()).isInstanceOf(OutOfMemoryError.class);
            });
  }

  @Test
  void callThatOutlivesItsTimeoutIsKilled() {
    try (Isolator bounded = Isolator.builder().timeout(Duration.ofMillis(500)).build()) {
      assertThatThrownBy(() -> bounded.execute(() -> Libc.INSTANCE.pause()))
          .isInstanceOfSatisfying(
              CallableStatusUnknownException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(Reason.TIMED_OUT);
                assertThat(e.signal()).hasValue(Signals.SIGKILL);
                assertThat(e).hasMessageContaining("timeout of 500 ms");
              });
    }
  }
}
