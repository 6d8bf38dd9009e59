package dev.isolate.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The real binding, on calls that are safe inside a test JVM (no fork: see JnrForkIT in
 * isolate-core).
 */
@EnabledOnOs(OS.LINUX)
@Timeout(30)
class JnrSyscallsTest {
  private final Syscalls syscalls = Syscalls.system();

  @Test
  void pipeCarriesBytesAndReportsEndOfFileAfterClose() throws Exception {
    Pipe pipe = syscalls.pipe();
    NativeBuffer buffer = syscalls.allocate(64);
    byte[] hello = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    buffer.put(0, hello, 0, hello.length);

    assertThat(syscalls.write(pipe.writeFd(), buffer, 0, hello.length)).isEqualTo(5);
    syscalls.close(pipe.writeFd());

    PollSet poll = syscalls.newPollSet(1);
    poll.set(0, pipe.readFd(), PollSet.POLLIN);
    assertThat(syscalls.poll(poll, 1, 1000)).isEqualTo(1);
    assertThat(poll.revents(0) & PollSet.POLLIN).isNotZero();

    assertThat(syscalls.read(pipe.readFd(), buffer, 10, 20)).isEqualTo(5);
    assertThat(buffer.getString(10, 5)).isEqualTo("hello");
    assertThat(syscalls.read(pipe.readFd(), buffer, 0, 20)).isZero();
    syscalls.close(pipe.readFd());
  }

  @Test
  void nonBlockingWriteEndWritesWhatFitsThenFailsWithEagain() throws Exception {
    Pipe pipe = syscalls.pipe();
    try {
      syscalls.setNonBlocking(pipe.writeFd());
      NativeBuffer buffer = syscalls.allocate(1 << 20);
      long written = 0;
      int n;
      // A blocking write of 1 MiB would wait forever for a reader; this one writes the pipe's
      // capacity.
      n = syscalls.write(pipe.writeFd(), buffer, 0, buffer.capacity());
      written += n;
      assertThat(written).isPositive().isLessThan(buffer.capacity());
      assertThatThrownBy(() -> syscalls.write(pipe.writeFd(), buffer, 0, 1))
          .isInstanceOfSatisfying(
              SyscallException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
      // The read end is its own open file description: still blocking, it reads what is there.
      assertThat(syscalls.read(pipe.readFd(), buffer, 0, 16)).isEqualTo(16);
    } finally {
      syscalls.close(pipe.readFd());
      syscalls.close(pipe.writeFd());
    }
  }

  @Test
  void failedCallCarriesErrnoAsAField() {
    assertThatThrownBy(() -> syscalls.close(-1))
        .isInstanceOfSatisfying(
            SyscallException.class,
            e -> {
              assertThat(e.errno()).isEqualTo(Errno.EBADF);
              assertThat(e.call()).isEqualTo("close");
              assertThat(e)
                  .hasMessageContaining("EBADF")
                  .hasMessageContaining("Bad file descriptor");
            });
  }

  @Test
  void waitpidWithoutChildrenFailsWithEchild() {
    // pid 1 is never our child.
    assertThatThrownBy(() -> syscalls.waitpid(1, true))
        .isInstanceOfSatisfying(
            SyscallException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ECHILD));
  }

  @Test
  void pollTimesOutWithNothingReady() throws Exception {
    Pipe pipe = syscalls.pipe();
    PollSet poll = syscalls.newPollSet(1);
    poll.set(0, pipe.readFd(), PollSet.POLLIN);
    assertThat(syscalls.poll(poll, 1, 10)).isZero();
    syscalls.close(pipe.readFd());
    syscalls.close(pipe.writeFd());
  }

  @Test
  void getpidIsThisProcess() {
    assertThat(syscalls.getpid()).isEqualTo((int) ProcessHandle.current().pid());
    assertThat(syscalls.getppid())
        .isEqualTo((int) ProcessHandle.current().parent().orElseThrow().pid());
  }

  @Test
  void bufferRejectsRangesOutsideIt() {
    NativeBuffer buffer = syscalls.allocate(8);
    assertThatThrownBy(() -> buffer.putInt(6, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> syscalls.read(0, buffer, 4, 5))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
