package dev.isolate.internal.outcome;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Currency;
import java.util.Date;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The JDK's value and collection types: what a child's value may hold without the caller's leave.
 * Each is a class of the JDK whose decoding runs only the JDK's own code, and none does I/O when it
 * is hashed or compared (so not {@code java.net.URL}, whose {@code hashCode} resolves its host).
 */
final class JdkTypes {
  private static final Set<Class<?>> VALUES =
      Set.of(
          // As an array's element type: Object[] holds any value, each element checked itself.
          Object.class,
          Boolean.class,
          Byte.class,
          Character.class,
          Short.class,
          Integer.class,
          Long.class,
          Float.class,
          Double.class,
          String.class,
          StringBuilder.class,
          StringBuffer.class,
          BigInteger.class,
          BigDecimal.class,
          UUID.class,
          URI.class,
          Optional.class,
          OptionalInt.class,
          OptionalLong.class,
          OptionalDouble.class,
          Date.class,
          Locale.class,
          Currency.class,
          BitSet.class,
          ArrayList.class,
          LinkedList.class,
          ArrayDeque.class,
          HashMap.class,
          LinkedHashMap.class,
          TreeMap.class,
          IdentityHashMap.class,
          EnumMap.class,
          HashSet.class,
          LinkedHashSet.class,
          TreeSet.class,
          ConcurrentHashMap.class,
          ConcurrentSkipListMap.class,
          ConcurrentSkipListSet.class,
          CopyOnWriteArrayList.class,
          CopyOnWriteArraySet.class);

  /**
   * Classes of the JDK's own immutable and wrapped collections, which have no public names (some of
   * the calls below give the same class: the set takes each once).
   */
  private static final Set<Class<?>> HIDDEN_COLLECTIONS =
      classesOf(
          List.of().getClass(),
          List.of(1).getClass(),
          List.of(1, 2, 3).getClass(),
          List.of(1, 2, 3).subList(0, 1).getClass(),
          Set.of().getClass(),
          Set.of(1).getClass(),
          Set.of(1, 2, 3).getClass(),
          Map.of().getClass(),
          Map.of(1, 1).getClass(),
          Map.of(1, 1, 2, 2).getClass(),
          Arrays.asList().getClass(),
          Collections.emptyList().getClass(),
          Collections.emptySet().getClass(),
          Collections.emptyMap().getClass(),
          Collections.singletonList(1).getClass(),
          Collections.singleton(1).getClass(),
          Collections.singletonMap(1, 1).getClass(),
          Collections.unmodifiableList(new ArrayList<>()).getClass(),
          Collections.unmodifiableList(new LinkedList<>()).getClass(),
          Collections.unmodifiableSet(new HashSet<>()).getClass(),
          Collections.unmodifiableMap(new HashMap<>()).getClass(),
          Collections.unmodifiableCollection(new ArrayList<>()).getClass(),
          Collections.synchronizedList(new ArrayList<>()).getClass(),
          Collections.synchronizedMap(new HashMap<>()).getClass(),
          EnumSet.noneOf(Locale.Category.class).getClass(),
          Comparator.naturalOrder().getClass(),
          Comparator.reverseOrder().getClass(),
          Collections.reverseOrder().getClass(),
          String.CASE_INSENSITIVE_ORDER.getClass());

  private JdkTypes() {}

  private static Set<Class<?>> classesOf(Class<?>... types) {
    return Set.copyOf(new HashSet<>(Arrays.asList(types)));
  }

  /** Whether {@code type} is one of the JDK's value or collection types. */
  static boolean isValueOrCollection(Class<?> type) {
    if (type.isPrimitive() || VALUES.contains(type) || HIDDEN_COLLECTIONS.contains(type)) {
      return true;
    }
    if (!isJdk(type)) {
      return false;
    }
    // java.time's values, the JDK's enums, and the JDK's file system paths (which travel as
    // their string).
    String name = type.getName();
    return name.startsWith("java.time.")
        || (type.isEnum() && name.startsWith("java."))
        || Path.class.isAssignableFrom(type);
  }

  /** Whether the JDK itself defines {@code type}: its code is the JDK's. */
  static boolean isJdk(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    return loader == null || loader == ClassLoader.getPlatformClassLoader();
  }
}
