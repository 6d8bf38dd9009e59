package dev.isolate.internal.wire;

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
 */
public record WorkerSettings(
    int preforkedChildren,
    long childSetupLimitNanos,
    long childStuckNanos,
    int childLingerMillis,
    long maxOutputBytes) {

  public void write(ByteWriter out) {
    out.putInt(preforkedChildren)
        .putLong(childSetupLimitNanos)
        .putLong(childStuckNanos)
        .putInt(childLingerMillis)
        .putLong(maxOutputBytes);
  }

  public static WorkerSettings read(ByteReader in) throws MalformedException {
    WorkerSettings settings =
        new WorkerSettings(in.getInt(), in.getLong(), in.getLong(), in.getInt(), in.getLong());
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
