package dev.isolate.posix;

import java.util.OptionalInt;

/** Linux signal numbers and their names. */
public final class Signals {
  public static final int SIGHUP = 1;
  public static final int SIGINT = 2;
  public static final int SIGQUIT = 3;
  public static final int SIGILL = 4;
  public static final int SIGTRAP = 5;
  public static final int SIGABRT = 6;
  public static final int SIGBUS = 7;
  public static final int SIGFPE = 8;
  public static final int SIGKILL = 9;
  public static final int SIGUSR1 = 10;
  public static final int SIGSEGV = 11;
  public static final int SIGUSR2 = 12;
  public static final int SIGPIPE = 13;
  public static final int SIGALRM = 14;
  public static final int SIGTERM = 15;
  public static final int SIGSTKFLT = 16;
  public static final int SIGCHLD = 17;
  public static final int SIGCONT = 18;
  public static final int SIGSTOP = 19;
  public static final int SIGTSTP = 20;
  public static final int SIGTTIN = 21;
  public static final int SIGTTOU = 22;
  public static final int SIGURG = 23;
  public static final int SIGXCPU = 24;
  public static final int SIGXFSZ = 25;
  public static final int SIGVTALRM = 26;
  public static final int SIGPROF = 27;
  public static final int SIGWINCH = 28;
  public static final int SIGIO = 29;
  public static final int SIGPWR = 30;
  public static final int SIGSYS = 31;

  private static final String[] NAMES = {
    null,
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS"
  };

  private Signals() {}

  /**
   * The name of signal {@code number}, e.g. {@code "SIGSEGV"}; real-time signals as {@code
   * "SIGRTMIN+3"}.
   */
  public static String name(int number) {
    if (number > 0 && number < NAMES.length) {
      return NAMES[number];
    }
    if (number >= 34 && number <= 64) {
      return "SIGRTMIN+" + (number - 34);
    }
    return "signal " + number;
  }

  /**
   * The number of the signal called {@code name} ({@code "SIGSEGV"} or {@code "SEGV"}), if known.
   */
  public static OptionalInt number(String name) {
    String full = name.startsWith("SIG") ? name : "SIG" + name;
    for (int i = 1; i < NAMES.length; i++) {
      if (NAMES[i].equals(full)) {
        return OptionalInt.of(i);
      }
    }
    return OptionalInt.empty();
  }
}
