package dev.isolate.internal.host;

/** The last bytes a child wrote to its standard output and error. */
public record ChildOutput(String stdoutTail, String stderrTail) {
  public static final ChildOutput NONE = new ChildOutput("", "");
}
