package dev.isolate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.isolate.internal.outcome.Failure;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each reason is thrown as the exception of the category the contract gives it. */
class ReasonTest {

  /** The exception class of each category, as the public API says. */
  static Class<? extends MemIsolateException> exceptionOf(Category category) {
    return switch (category) {
      case DID_NOT_EXECUTE -> CallableDidNotExecuteException.class;
      case EXECUTED -> CallableExecutedException.class;
      case STATUS_UNKNOWN -> CallableStatusUnknownException.class;
    };
  }

  @ParameterizedTest(name = "{0} is a {1}")
  @CsvSource({
    "PIPE_CREATION_FAILED, CallableDidNotExecuteException, true",
    "FORK_FAILED, CallableDidNotExecuteException, true",
    "CHILD_PIPE_CLOSE_FAILED, CallableDidNotExecuteException, true",
    "CHILD_SETUP_FAILED, CallableDidNotExecuteException, true",
    "CALLABLE_SERIALIZATION_FAILED, CallableDidNotExecuteException, true",
    "WORKER_START_FAILED, CallableDidNotExecuteException, true",
    "WORKER_UNAVAILABLE, CallableDidNotExecuteException, true",
    "QUEUE_FULL, CallableDidNotExecuteException, true",
    "SERIALIZATION_FAILED, CallableExecutedException, false",
    "DESERIALIZATION_FAILED, CallableExecutedException, false",
    "CHILD_PIPE_WRITE_FAILED, CallableExecutedException, false",
    "CALLABLE_THREW, CallableExecutedException, false",
    "RESULT_TOO_LARGE, CallableExecutedException, false",
    "PARENT_PIPE_CLOSE_FAILED, CallableStatusUnknownException, false",
    "WAIT_FAILED, CallableStatusUnknownException, false",
    "PARENT_PIPE_READ_FAILED, CallableStatusUnknownException, false",
    "CALLABLE_PROCESS_DIED_DURING_EXECUTION, CallableStatusUnknownException, false",
    "UNEXPECTED_CHILD_EXIT_STATUS, CallableStatusUnknownException, false",
    "CHILD_PROCESS_KILLED_BY_SIGNAL, CallableStatusUnknownException, false",
    "UNEXPECTED_WAITPID_RETURN_VALUE, CallableStatusUnknownException, false",
    "TIMED_OUT, CallableStatusUnknownException, false",
    "CPU_TIME_LIMIT_EXCEEDED, CallableStatusUnknownException, false",
    "NATIVE_MEMORY_LIMIT_EXCEEDED, CallableStatusUnknownException, false",
    "WORKER_DIED, CallableStatusUnknownException, false",
    "CANCELLED, CallableStatusUnknownException, false",
    "MALFORMED_RESULT, CallableStatusUnknownException, false",
  })
  void aReasonIsThrownAsTheExceptionOfItsCategory(
      Reason reason, String exceptionClass, boolean safeToRetry) {
    MemIsolateException e = MemIsolateException.of(new Failure(reason, "the facts"));
    assertThat(e.getClass().getSimpleName()).isEqualTo(exceptionClass);
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.category().safeToRetry()).isEqualTo(safeToRetry);
    assertThat(e).hasMessage("the facts");
  }

  @Test
  void anExceptionRefusesAReasonOfAnotherCategory() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new CallableExecutedException(new Failure(Reason.TIMED_OUT, "x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("TIMED_OUT is not a EXECUTED reason");
  }

  @Test
  void theTableAboveNamesEveryReason() throws Exception {
    String[] rows =
        ReasonTest.class
            .getDeclaredMethod(
                "aReasonIsThrownAsTheExceptionOfItsCategory",
                Reason.class,
                String.class,
                boolean.class)
            .getAnnotation(CsvSource.class)
            .value();
    Set<Reason> named = EnumSet.noneOf(Reason.class);
    for (String row : rows) {
      named.add(Reason.valueOf(row.substring(0, row.indexOf(',')).strip()));
    }
    assertThat(rows).hasSize(Reason.values().length);
    assertThat(named).containsExactlyInAnyOrder(Reason.values());
  }
}
