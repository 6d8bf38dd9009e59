package dev.isolate.internal.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * How a worker image serves, chosen by its isolator and sent as the first frame ({@link
 * Frame.Configure}), before the worker image warms up.
 *
 * @param preforkedChildren spare children to keep forked and waiting for a call; 0 forks per call
 * @param childSetupLimitNanos how long a child may take from its fork to its callable
 * @param childStuckNanos how long a child not yet at its callable may sit on a lock without using
 *     CPU before it is taken for stuck
 * @param childLingerMillis how long a child waits after its last record before it exits
 * @param maxOutputBytes how much of each of a child's standard output and error is relayed; the
 *     rest is read and dropped
 * @param learn whether the worker image loads and initializes ahead what its children learned
 * @param preloadClasses classes to load and initialize during the warm-up, before any child
 * @param sandbox what every child is denied
 */
public record WorkerSettings(
    int preforkedChildren,
    long childSetupLimitNanos,
    long childStuckNanos,
    int childLingerMillis,
    long maxOutputBytes,
    boolean learn,
    List<String> preloadClasses,
    SandboxRules sandbox) {

  static final int MAX_PRELOAD_CLASSES = 10_000;
  static final int MAX_CLASS_NAME_BYTES = 1024;

  public void write(ByteWriter out) {
    out.putInt(preforkedChildren)
        .putLong(childSetupLimitNanos)
        .putLong(childStuckNanos)
        .putInt(childLingerMillis)
        .putLong(maxOutputBytes)
        .putBoolean(learn)
        .putInt(preloadClasses.size());
    for (String name : preloadClasses) {
      out.putString(name);
    }
    sandbox.write(out);
  }

  public static WorkerSettings read(ByteReader in) throws MalformedException {
    int preforked = in.getInt();
    long setupLimit = in.getLong();
    long stuck = in.getLong();
    int linger = in.getInt();
    long maxOutput = in.getLong();
    boolean learn = in.getBoolean();
    int count = in.getCount(Math.min(MAX_PRELOAD_CLASSES, in.remaining() / 4));
    List<String> preload = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      preload.add(in.getString(MAX_CLASS_NAME_BYTES));
    }
    SandboxRules sandbox = SandboxRules.read(in);
    WorkerSettings settings =
        new WorkerSettings(
            preforked, setupLimit, stuck, linger, maxOutput, learn, preload, sandbox);
    if (settings.preforkedChildren < 0
        || settings.childSetupLimitNanos <= 0
        || settings.childStuckNanos <= 0
        || settings.childLingerMillis < 0
        || settings.maxOutputBytes < 0) {
      throw new MalformedException("worker settings out of range: " + settings);
    }
    return settings;
  }
}
