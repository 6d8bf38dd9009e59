package dev.isolate;

import dev.isolate.internal.outcome.Failure;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Which calls run: at most {@code maxConcurrentCalls} hold a slot (being sent, or running in a
 * child), the next ones wait in a FIFO queue of at most {@code maxQueuedCalls}, and one more is
 * refused with {@link Reason#QUEUE_FULL}. Queued calls, and calls submitted before the worker image
 * is ready, are sent by the isolator's own dispatcher thread, so that neither the caller's threads
 * nor the thread reading the worker image's frames wait.
 */
final class Admission {
  private final int maxConcurrentCalls;
  private final int maxQueuedCalls;

  /** Guards {@link #running} and {@link #queue}; never held while waiting for anything. */
  private final Object slots = new Object();

  private int running;
  private final ArrayDeque<RealCall> queue = new ArrayDeque<>();

  /** One daemon thread, which exits after a second without work. */
  private final ThreadPoolExecutor dispatcher =
      new ThreadPoolExecutor(
          1,
          1,
          1,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          runnable -> {
            Thread thread = new Thread(runnable, "isolate-dispatcher");
            thread.setDaemon(true);
            return thread;
          });

  Admission(int maxConcurrentCalls, int maxQueuedCalls) {
    this.maxConcurrentCalls = maxConcurrentCalls;
    this.maxQueuedCalls = maxQueuedCalls;
    dispatcher.allowCoreThreadTimeOut(true);
  }

  /**
   * Lets {@code call} take a slot and be sent, or queues it, or refuses it. {@code front}: a retry,
   * which goes before the calls that wait and is never refused. {@code onThisThread}: send from the
   * calling thread (which may then wait for the worker image to start); else from the dispatcher.
   */
  void admit(RealCall call, boolean front, boolean onThisThread) {
    synchronized (slots) {
      if (running < maxConcurrentCalls && queue.isEmpty()) {
        running++;
      } else if (!front && queue.size() >= maxQueuedCalls) {
        call.failBeforeSending(
            new Failure(
                Reason.QUEUE_FULL,
                maxConcurrentCalls
                    + " calls are running (maxConcurrentCalls) and "
                    + queue.size()
                    + " wait their turn (maxQueuedCalls); the callable did not run: retry later,"
                    + " or raise the limits"));
        return;
      } else {
        if (front) {
          queue.addFirst(call);
        } else {
          queue.addLast(call);
        }
        return;
      }
    }
    if (onThisThread) {
      call.send();
    } else {
      sendLater(call);
    }
  }

  /** Takes {@code call} out of the queue; false if it was not waiting there. */
  boolean dequeue(RealCall call) {
    synchronized (slots) {
      return queue.remove(call);
    }
  }

  /**
   * A call no longer occupies a child (its value arrived, its child is gone, or it never had one):
   * the slot goes to the next call waiting.
   */
  void release() {
    RealCall next;
    synchronized (slots) {
      next = queue.pollFirst();
      if (next == null) {
        running--;
        return;
      }
    }
    // Never on this thread: it may be the one reading the worker image's frames.
    sendLater(next);
  }

  private void sendLater(RealCall call) {
    try {
      dispatcher.execute(call::send);
    } catch (RejectedExecutionException e) {
      // Closed meanwhile.
      release();
      call.failBeforeSending(
          new Failure(
              Reason.WORKER_UNAVAILABLE,
              "the isolator was closed before the call was sent; the callable did not run"));
    }
  }

  /** Refuses the calls still queued and stops the dispatcher. */
  void close() {
    List<RealCall> waiting;
    synchronized (slots) {
      waiting = new ArrayList<>(queue);
      queue.clear();
    }
    for (RealCall call : waiting) {
      call.failBeforeSending(
          new Failure(
              Reason.WORKER_UNAVAILABLE,
              "the isolator was closed while the call waited its turn; the callable did not run"));
    }
    dispatcher.shutdown();
  }
}
