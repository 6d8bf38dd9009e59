package dev.isolate.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.sun.management.ThreadMXBean;
import java.io.ByteArrayInputStream;
import java.io.ObjectInputFilter;
import java.lang.management.ManagementFactory;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The caller's decoding Kryo reads what the child's Kryo writes, the same values back, and reads a
 * forged count or length as a failure, never as an allocation of the size the bytes claim.
 */
class DecodingKryoTest {
  private static final ClassLoader LOADER = DecodingKryoTest.class.getClassLoader();
  private static final ObjectInputFilter ALLOW_ALL = info -> ObjectInputFilter.Status.ALLOWED;

  static Stream<Arguments> values() {
    return Stream.<Object>of(
            List.of(),
            List.of("one"),
            List.of("a", "b", "c", "d"),
            List.of(1, 2, 3, 4).subList(1, 3),
            Arrays.asList("x", null, "z"),
            new ArrayList<>(List.of(1L, 2L)),
            new HashSet<>(Set.of("s", "t")),
            new HashMap<>(Map.of("k", 1, "l", 2)),
            Set.of("u", "v", "w", "x"),
            Map.of("m", 3),
            new TreeSet<>(Set.of(5, 6)),
            new LinkedList<>(List.of('a', 'b')),
            Arrays.asList(null, null, null),
            new Object[] {"o", 7, null},
            new String[] {"p", null, "q"},
            new PriorityQueue<>(List.of(9, 8)))
        // One argument each: an array would be spread into several.
        .map(value -> Arguments.of(value));
  }

  private static byte[] written(Object value) {
    Output output = new Output(256, -1);
    KryoCodec.newKryo(LOADER).writeClassAndObject(output, value);
    return output.toBytes();
  }

  private static Object decoded(byte[] bytes) {
    return KryoCodec.newDecodingKryo(LOADER, ALLOW_ALL, 200)
        .decode(new ByteArrayInputStream(bytes), bytes.length);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void aValueComesBackEqualAndOfTheSameKind(Object value) {
    Object back = decoded(written(value));
    assertThat(back).isInstanceOf(value.getClass().isArray() ? value.getClass() : Object.class);
    assertThat(back).usingRecursiveComparison().isEqualTo(value);
    if (value instanceof List<?> list
        && list.getClass().getName().contains("ImmutableCollections")) {
      assertThat(back.getClass().getName()).contains("ImmutableCollections");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void aForgedCountIsAFailureNotAnAllocation(Object value) {
    // The same value, written with a count of 2^31 - 2 elements: far more than the bytes that
    // follow, so none must be allocated for before they are read.
    byte[] forged = writtenWithForgedCount(value);
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    assertThatThrownBy(() -> decoded(forged)).isInstanceOf(KryoException.class);
    assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(16L << 20);
  }

  @Test
  void aFilterRejectionNamesTheClassAndNoInstanceIsMade() {
    byte[] bytes = written(new ArrayList<>(List.of(new StringBuilder("built"))));
    ObjectInputFilter noBuilders =
        info ->
            info.serialClass() == StringBuilder.class
                ? ObjectInputFilter.Status.REJECTED
                : ObjectInputFilter.Status.UNDECIDED;
    assertThatThrownBy(
            () ->
                KryoCodec.newDecodingKryo(LOADER, noBuilders, 200)
                    .decode(new ByteArrayInputStream(bytes), bytes.length))
        .isInstanceOfSatisfying(
            DecodingKryo.Rejected.class,
            rejected -> assertThat(rejected.type()).isEqualTo(StringBuilder.class))
        .hasMessageContaining("java.lang.StringBuilder rejected by the result filter");
  }

  /**
   * {@code value} as the child's Kryo writes it, except that its count claims {@link #FORGED_COUNT}
   * elements: collections and maps are written through their own serializer from a view that lies
   * about its size, arrays with the count written by hand.
   */
  private static byte[] writtenWithForgedCount(Object value) {
    Kryo kryo = KryoCodec.newKryo(LOADER);
    // Implicitly registered, the class is written by name, as the child's Kryo writes it.
    Registration registration = kryo.getRegistration(value.getClass());
    @SuppressWarnings("unchecked")
    Serializer<Object> own = registration.getSerializer();
    registration.setSerializer(
        new Serializer<>() {
          @Override
          public void write(Kryo kryo, Output output, Object object) {
            if (object instanceof Object[] array) {
              output.writeVarInt(FORGED_COUNT + 1, true);
              for (Object element : array) {
                kryo.writeClassAndObject(output, element);
              }
            } else if (object instanceof Map<?, ?> map) {
              own.write(kryo, output, new LyingMap(map));
            } else if (object instanceof TreeSet<?> set) {
              // TreeSet's format holds its comparator after the count: written as its serializer
              // would.
              output.writeVarIntFlag(false, FORGED_COUNT + 1, true);
              kryo.writeClassAndObject(output, set.comparator());
              for (Object element : set) {
                kryo.writeClassAndObject(output, element);
              }
            } else if (object instanceof PriorityQueue<?> queue) {
              output.writeVarIntFlag(false, FORGED_COUNT + 1, true);
              kryo.writeClassAndObject(output, queue.comparator());
              for (Object element : queue) {
                kryo.writeClassAndObject(output, element);
              }
            } else if (object instanceof Set<?> set) {
              own.write(kryo, output, new LyingSet(set));
            } else {
              own.write(kryo, output, new LyingList((Collection<?>) object));
            }
          }

          @Override
          public Object read(Kryo kryo, Input input, Class<?> type) {
            throw new UnsupportedOperationException("written only");
          }
        });
    Output output = new Output(256, -1);
    kryo.writeClassAndObject(output, value);
    return output.toBytes();
  }

  private static final int FORGED_COUNT = Integer.MAX_VALUE - 2;

  private static final class LyingList extends AbstractList<Object> {
    private final List<Object> real;

    LyingList(Collection<?> real) {
      this.real = new ArrayList<>(real);
    }

    @Override
    public int size() {
      return FORGED_COUNT;
    }

    @Override
    public Object get(int index) {
      return real.get(index);
    }

    @Override
    public Iterator<Object> iterator() {
      return real.iterator();
    }
  }

  private static final class LyingSet extends AbstractSet<Object> {
    private final Set<Object> real;

    LyingSet(Set<?> real) {
      this.real = new LinkedHashSet<>(real);
    }

    @Override
    public int size() {
      return FORGED_COUNT;
    }

    @Override
    public Iterator<Object> iterator() {
      return real.iterator();
    }
  }

  private static final class LyingMap extends AbstractMap<Object, Object> {
    private final Map<Object, Object> real;

    LyingMap(Map<?, ?> real) {
      this.real = new HashMap<>(real);
    }

    @Override
    public int size() {
      return FORGED_COUNT;
    }

    @Override
    public Set<Entry<Object, Object>> entrySet() {
      return real.entrySet();
    }
  }
}
