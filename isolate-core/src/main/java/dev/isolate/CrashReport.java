package dev.isolate;

import dev.isolate.internal.outcome.CrashFacts;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a child's runtime said as it died: the fatal signal and frame from HotSpot's error report
 * ({@code hs_err_pid<child>.log}) and the last output the child wrote.
 *
 * <p>A native {@code SIGSEGV} reaches {@code waitpid} as {@code SIGABRT}, because HotSpot's crash
 * handler aborts after writing its report: {@link MemIsolateException#signal()} is then 6 and
 * {@link #fatalSignal()} is {@code "SIGSEGV"}.
 */
public final class CrashReport {
  private final String fatalSignal;
  private final Integer fatalSignalNumber;
  private final String faultAddress;
  private final String problematicFrame;
  private final String nativeAllocationFailure;
  private final Path hsErrFile;
  private final String stdoutTail;
  private final String stderrTail;

  CrashReport(CrashFacts facts) {
    this.fatalSignal = facts.fatalSignal();
    this.fatalSignalNumber = facts.fatalSignalNumber();
    this.faultAddress = facts.faultAddress();
    this.problematicFrame = facts.problematicFrame();
    this.nativeAllocationFailure = facts.nativeAllocationFailure();
    this.hsErrFile = facts.hsErrFile();
    this.stdoutTail = Objects.requireNonNull(facts.stdoutTail());
    this.stderrTail = Objects.requireNonNull(facts.stderrTail());
  }

  /** The signal HotSpot's error handler caught, e.g. {@code "SIGSEGV"}, where it wrote a report. */
  public Optional<String> fatalSignal() {
    return Optional.ofNullable(fatalSignal);
  }

  /** The number of {@link #fatalSignal()}, e.g. 11. */
  public OptionalInt fatalSignalNumber() {
    return fatalSignalNumber == null ? OptionalInt.empty() : OptionalInt.of(fatalSignalNumber);
  }

  /** The faulting address HotSpot reports ({@code si_addr}), e.g. {@code "0x0000000000000000"}. */
  public Optional<String> faultAddress() {
    return Optional.ofNullable(faultAddress);
  }

  /** HotSpot's "problematic frame", e.g. {@code "C [libc.so.6+0x15d8a5] __strlen_avx2+0x25"}. */
  public Optional<String> problematicFrame() {
    return Optional.ofNullable(problematicFrame);
  }

  /**
   * HotSpot's line about a native allocation it could not make, where it died of one, e.g. {@code
   * "Native memory allocation (mmap) failed to map 65536 bytes..."}.
   */
  public Optional<String> nativeAllocationFailure() {
    return Optional.ofNullable(nativeAllocationFailure);
  }

  /** The child's {@code hs_err} file, where HotSpot wrote one and it is kept. */
  public Optional<Path> hsErrFile() {
    return Optional.ofNullable(hsErrFile);
  }

  /** The last bytes (at most 64 KiB) the child wrote to its standard output. */
  public String stdoutTail() {
    return stdoutTail;
  }

  /** The last bytes (at most 64 KiB) the child wrote to its standard error. */
  public String stderrTail() {
    return stderrTail;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("CrashReport[");
    text.append("fatalSignal=").append(fatalSignal == null ? "none" : fatalSignal);
    if (faultAddress != null) {
      text.append(", faultAddress=").append(faultAddress);
    }
    if (problematicFrame != null) {
      text.append(", problematicFrame=").append(problematicFrame);
    }
    if (nativeAllocationFailure != null) {
      text.append(", nativeAllocationFailure=").append(nativeAllocationFailure);
    }
    if (hsErrFile != null) {
      text.append(", hsErrFile=").append(hsErrFile);
    }
    return text.append(", stderr ").append(stderrTail.length()).append(" chars]").toString();
  }
}
