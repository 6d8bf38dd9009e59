package dev.isolate.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * One isolated call, as JFR records it: {@code jfr print --events dev.isolate.IsolatedCall
 * recording.jfr}. Its duration runs from the call to its outcome; it is committed when the child is
 * gone, with what {@code wait4} said of it.
 */
@Name("dev.isolate.IsolatedCall")
@Label("Isolated Call")
@Category({"isolate"})
@Description("A callable run in a forked child of a worker image")
@StackTrace(false)
public final class IsolatedCallEvent extends Event {
  @Label("Outcome")
  @Description(
      "RETURNED, or the category of the failure: DID_NOT_EXECUTE, EXECUTED, STATUS_UNKNOWN")
  public String outcome;

  @Label("Reason")
  @Description("Why the call failed; empty if it returned")
  public String reason;

  @Label("Child PID")
  public long childPid;

  @Label("Signal")
  @Description("The signal that ended the child, by name; empty if none did")
  public String signal;

  @Label("Child CPU Time")
  @Timespan(Timespan.MILLISECONDS)
  public long childCpuTime;

  @Label("Child Max RSS")
  @DataAmount(DataAmount.BYTES)
  public long childMaxRss;
}
