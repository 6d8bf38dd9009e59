package dev.isolate.internal.boot;

import java.lang.instrument.Instrumentation;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Called first thing by {@code Runtime.exit} and {@code Runtime.halt} in a worker image, once the
 * exit agent has rewritten them. It sits alone on the boot class path because {@code java.lang}
 * classes cannot see application classes; the worker sets {@link #handler}.
 *
 * <p>Why: in a forked child, HotSpot's exit path waits for VM threads that did not survive the fork
 * and hangs. The handler ends a child with {@code _exit(status)} before that path is reached, and
 * returns at once in the worker image itself, which exits normally.
 */
public final class ExitHook {
  /** Set once by the worker image, before it forks. */
  public static volatile IntConsumer handler;

  /**
   * The agent's instrumentation, set by its {@code premain}: how a child lists the classes it
   * loaded, for the worker image to learn them.
   */
  public static volatile Instrumentation instrumentation;

  /**
   * How many shutdown hooks were registered ({@code Runtime.addShutdownHook} calls it, once
   * rewritten): the worker image checks that a class it initializes ahead registers none.
   */
  private static final AtomicInteger SHUTDOWN_HOOKS = new AtomicInteger();

  private ExitHook() {}

  /** Called first thing by {@code Runtime.addShutdownHook}. */
  public static void shutdownHookAdded() {
    SHUTDOWN_HOOKS.incrementAndGet();
  }

  /** How many shutdown hooks have been registered in this JVM. */
  public static int shutdownHooks() {
    return SHUTDOWN_HOOKS.get();
  }

  /** Runs the handler, if any; returns only when the process should exit the normal way. */
  public static void beforeExit(int status) {
    IntConsumer current = handler;
    if (current != null) {
      current.accept(status);
    }
  }
}
