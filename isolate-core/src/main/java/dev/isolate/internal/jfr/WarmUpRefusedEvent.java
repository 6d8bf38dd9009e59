package dev.isolate.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A class a worker image refused to initialize ahead of its children, because its static
 * initializer broke fork safety there: {@code jfr print --events dev.isolate.WarmUpRefused}.
 */
@Name("dev.isolate.WarmUpRefused")
@Label("Warm-up Refused")
@Category({"isolate"})
@Description("A class whose initializer broke fork safety in a worker image, never run there again")
@StackTrace(false)
public final class WarmUpRefusedEvent extends Event {
  @Label("Class")
  public String className;

  @Label("Rule")
  @Description("What its initializer did: started a thread, opened a file for writing, ...")
  public String rule;
}
