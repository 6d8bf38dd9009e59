package dev.isolate.internal.wire;

import java.util.ArrayList;
import java.util.List;

/**
 * The sandbox every child of a worker image enters before it reads its call, as the caller's {@code
 * Sandbox} says it, part of {@link WorkerSettings}.
 *
 * @param restricted whether there is a sandbox at all: no-new-privileges and the seccomp baseline
 * @param denyNetwork no IPv4 or IPv6 network
 * @param readOnlyFileSystem writes only beneath {@code writable}
 * @param writable absolute paths a child may write beneath, the crash directory among them
 * @param denyExec no {@code execve}
 */
public record SandboxRules(
    boolean restricted,
    boolean denyNetwork,
    boolean readOnlyFileSystem,
    List<String> writable,
    boolean denyExec) {

  /** No sandbox. */
  public static final SandboxRules NONE = new SandboxRules(false, false, false, List.of(), false);

  static final int MAX_PATHS = 1024;
  static final int MAX_PATH_BYTES = 4096;

  public SandboxRules {
    writable = List.copyOf(writable);
  }

  void write(ByteWriter out) {
    out.putBoolean(restricted)
        .putBoolean(denyNetwork)
        .putBoolean(readOnlyFileSystem)
        .putBoolean(denyExec)
        .putInt(writable.size());
    for (String path : writable) {
      out.putString(path);
    }
  }

  static SandboxRules read(ByteReader in) throws MalformedException {
    boolean restricted = in.getBoolean();
    boolean denyNetwork = in.getBoolean();
    boolean readOnly = in.getBoolean();
    boolean denyExec = in.getBoolean();
    int count = in.getCount(Math.min(MAX_PATHS, in.remaining() / 4));
    List<String> writable = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String path = in.getString(MAX_PATH_BYTES);
      if (!path.startsWith("/")) {
        throw new MalformedException("a writable path that is not absolute: " + path);
      }
      writable.add(path);
    }
    if (!restricted && (denyNetwork || readOnly || denyExec)) {
      throw new MalformedException("restrictions without a sandbox");
    }
    return new SandboxRules(restricted, denyNetwork, readOnly, writable, denyExec);
  }
}
