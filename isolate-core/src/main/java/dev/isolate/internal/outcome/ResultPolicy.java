package dev.isolate.internal.outcome;

import java.io.ObjectInputFilter;
import java.lang.invoke.SerializedLambda;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a child's value may be decoded into in the caller: the user's filter first, whose {@code
 * ALLOWED} and {@code REJECTED} are final; for what it leaves {@code UNDECIDED}, the JDK's value
 * and collection types, and the classes the caller itself sent to this isolator in callables, and
 * nothing else. Lambdas only if the user allows {@link SerializedLambda}. Thread-safe.
 */
public final class ResultPolicy implements ObjectInputFilter {
  /** The system property a pattern filter is read from when no filter is set (JDK syntax). */
  public static final String PROPERTY = "isolate.resultFilter";

  /**
   * The default nesting limit: a value this deep decodes on any thread's stack (about 1 KiB a
   * level, measured); a filter's {@code maxdepth} raises it, and deeper values are decoded on a
   * thread with a stack sized for them.
   */
  public static final int DEFAULT_MAX_DEPTH = 200;

  /** The most a filter can raise the nesting to: the decoding thread's stack is sized for it. */
  public static final int MOST_DEPTH = 100_000;

  private final ObjectInputFilter user;
  private final String userDescription;
  private final long maxBytes;
  private final int maxDepth;
  private final Set<String> sent = ConcurrentHashMap.newKeySet();

  private ResultPolicy(ObjectInputFilter user, String userDescription, long maxBytes) {
    this.user = user;
    this.userDescription = userDescription;
    this.maxBytes = maxBytes;
    this.maxDepth = probeMaxDepth(user);
  }

  /**
   * The policy of an isolator: {@code configured} if set, else the {@link #PROPERTY} pattern, else
   * the JVM-wide serial filter, else the default alone.
   *
   * @throws IllegalArgumentException if the property holds a pattern the JDK cannot read
   */
  public static ResultPolicy of(ObjectInputFilter configured, long maxBytes) {
    if (configured != null) {
      return new ResultPolicy(configured, "resultFilter", maxBytes);
    }
    String pattern = System.getProperty(PROPERTY);
    if (pattern != null && !pattern.isBlank()) {
      return new ResultPolicy(
          ObjectInputFilter.Config.createFilter(pattern),
          "-D" + PROPERTY + "=" + pattern,
          maxBytes);
    }
    ObjectInputFilter jvmWide = ObjectInputFilter.Config.getSerialFilter();
    return new ResultPolicy(
        jvmWide, jvmWide == null ? null : "the JVM-wide serial filter", maxBytes);
  }

  /** The caller wrote an object of this class in a callable: it may come back. */
  public void sent(String className) {
    sent.add(className);
  }

  /** How deep a value may nest. */
  public int maxDepth() {
    return maxDepth;
  }

  @Override
  public Status checkInput(FilterInfo info) {
    Status decided = user == null ? Status.UNDECIDED : user.checkInput(info);
    if (decided != Status.UNDECIDED) {
      return decided;
    }
    if (info.depth() > maxDepth || info.streamBytes() > maxBytes) {
      return Status.REJECTED;
    }
    Class<?> type = info.serialClass();
    if (type == null) {
      return Status.UNDECIDED;
    }
    while (type.isArray()) {
      type = type.getComponentType();
    }
    return allowedByDefault(type) ? Status.ALLOWED : Status.REJECTED;
  }

  private boolean allowedByDefault(Class<?> type) {
    return type != SerializedLambda.class
        && (JdkTypes.isValueOrCollection(type) || sent.contains(type.getName()));
  }

  /**
   * Whether an exception of {@code type} may be rebuilt as itself (its constructor runs here): the
   * filter's word, else the JDK's own exceptions and the classes sent. Else it comes back as a
   * {@code RemoteThrowable}, and no code of it runs.
   */
  public boolean allowsThrowable(Class<?> type) {
    Status decided = user == null ? Status.UNDECIDED : check(user, type);
    if (decided != Status.UNDECIDED) {
      return decided == Status.ALLOWED;
    }
    return JdkTypes.isJdk(type) || sent.contains(type.getName());
  }

  private static Status check(ObjectInputFilter filter, Class<?> type) {
    try {
      return filter.checkInput(new Info(type, -1, 1, 0, 0));
    } catch (RuntimeException e) {
      return Status.REJECTED;
    }
  }

  /** What to tell a user whose value held {@code type}, which was rejected: why, and the fix. */
  public String rejection(Class<?> type, long arrayLength, int depth) {
    if (type == null) {
      return "the child's value went past a limit of "
          + (userDescription == null ? "the result filter" : userDescription)
          + " at depth "
          + depth
          + " (it may nest at most "
          + maxDepth
          + " objects deep and take at most "
          + maxBytes
          + " bytes; raise maxdepth= in the filter for deeper values)";
    }
    Class<?> element = type;
    while (element.isArray()) {
      element = element.getComponentType();
    }
    if (arrayLength >= 0 && allowedByDefault(element)) {
      return "the child's value holds an array "
          + type.getTypeName()
          + " of "
          + arrayLength
          + " elements, past a limit of "
          + userDescription;
    }
    String why =
        user != null && check(user, element) == Status.REJECTED
            ? userDescription + " rejects it"
            : element == SerializedLambda.class
                ? "a lambda's class runs code of its own to be rebuilt, and lambdas are allowed"
                    + " only by a filter that allows java.lang.invoke.SerializedLambda and the"
                    + " capturing class"
                : "it is not one of the JDK's value or collection types, the caller never sent it"
                    + " to this isolator in a callable, and no result filter allows it";
    String pattern = element.getName();
    String pkg = element.getPackageName();
    return "the child's value holds an object of "
        + element.getName()
        + ", which the result filter rejects: "
        + why
        + "; no code of it ran in the caller. To allow it, build the isolator with"
        + " resultFilter(ObjectInputFilter.Config.createFilter(\""
        + pattern
        + "\"))"
        + (pkg.isEmpty() ? "" : " (or \"" + pkg + ".*\" for its package)")
        + ", or start the JVM with -D"
        + PROPERTY
        + "="
        + pattern;
  }

  /** The largest depth the user's filter allows, or the default if it sets none. */
  private static int probeMaxDepth(ObjectInputFilter user) {
    if (user == null || !rejectsDepth(user, MOST_DEPTH + 1L)) {
      return user != null && allowsDepth(user, MOST_DEPTH) ? MOST_DEPTH : DEFAULT_MAX_DEPTH;
    }
    int low = 0;
    int high = MOST_DEPTH;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (rejectsDepth(user, mid)) {
        high = mid - 1;
      } else {
        low = mid;
      }
    }
    return Math.max(1, low);
  }

  private static boolean rejectsDepth(ObjectInputFilter filter, long depth) {
    return depthStatus(filter, depth) == Status.REJECTED;
  }

  private static boolean allowsDepth(ObjectInputFilter filter, long depth) {
    return depthStatus(filter, depth) == Status.ALLOWED;
  }

  private static Status depthStatus(ObjectInputFilter filter, long depth) {
    try {
      return filter.checkInput(new Info(null, -1, depth, 0, 0));
    } catch (RuntimeException e) {
      return Status.UNDECIDED;
    }
  }

  private record Info(
      Class<?> serialClass, long arrayLength, long depth, long references, long streamBytes)
      implements FilterInfo {}
}
