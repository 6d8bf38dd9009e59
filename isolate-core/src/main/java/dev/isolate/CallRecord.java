package dev.isolate;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What one isolated call did, for metrics: given to a {@link CallListener} once the call's child is
 * gone, and committed as the JFR event {@code dev.isolate.IsolatedCall} with the same facts.
 *
 * @param reason why the call failed; empty if it returned a value
 * @param elapsed from the call (queueing included) to its outcome
 * @param childPid the child that ran it, if one was forked for it or given it
 * @param signal the signal that ended the child, where one did
 * @param childCpuTime the child's user plus system CPU time, from {@code wait4}, where it was
 *     reaped
 * @param childMaxRssBytes the child's peak resident memory, from {@code wait4}, where it was reaped
 */
public record CallRecord(
    Optional<Reason> reason,
    Duration elapsed,
    OptionalLong childPid,
    OptionalInt signal,
    Optional<Duration> childCpuTime,
    OptionalLong childMaxRssBytes) {

  /** Whether the call returned a value. */
  public boolean succeeded() {
    return reason.isEmpty();
  }

  /** The failure's category; empty if the call returned a value. */
  public Optional<Category> category() {
    return reason.map(Reason::category);
  }
}
