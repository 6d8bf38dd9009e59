package dev.isolate.internal.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers.ObjectArraySerializer;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers.StringArraySerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.CollectionsEmptyListSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.CollectionsEmptySetSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.CollectionsSingletonListSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.CollectionsSingletonSetSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.EnumSetSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.PriorityQueueSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers.TreeSetSerializer;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The serializers that size an allocation by a count read from the stream, for the caller's
 * decoding Kryo: each reads Kryo's own format, but an array's length is checked against the bytes
 * that remain before the array is made, and a collection or map must have the bytes (or the budget,
 * for elements that take none) for its count, and starts no larger than a few elements however
 * large the count says it will be (it grows as its elements really arrive). The collections and
 * maps with serializers of their own are registered before the shared configuration's, to take
 * precedence; every other collection and map after it, by {@link #registerFallbacks}, so that the
 * configuration's serializers for more specific types win.
 */
final class CappedSerializers {
  /** The most elements a collection or map is made room for before its elements are read. */
  private static final int INITIAL_CAPACITY = 16;

  private CappedSerializers() {}

  static void register(Kryo kryo) {
    kryo.addDefaultSerializer(Object[].class, CappedObjectArray.class);
    kryo.addDefaultSerializer(String[].class, new CappedStringArray());
    // Kryo's serializers of the JDK's immutable collections write no null element; its
    // Arrays.asList one may.
    CappedBuilt immutableList = new CappedBuilt(false, List::of);
    for (Object list :
        List.of(List.of(), List.of(1), List.of(1, 2, 3, 4), List.of(1, 2, 3, 4).subList(0, 2))) {
      kryo.addDefaultSerializer(list.getClass(), immutableList);
    }
    CappedBuilt immutableSet = new CappedBuilt(false, Set::of);
    for (Object set : List.of(Set.of(), Set.of(1), Set.of(1, 2, 3, 4))) {
      kryo.addDefaultSerializer(set.getClass(), immutableSet);
    }
    CappedImmutableMap immutableMap = new CappedImmutableMap();
    for (Object map : List.of(Map.of(), Map.of(1, 2), Map.of(1, 2, 3, 4))) {
      kryo.addDefaultSerializer(map.getClass(), immutableMap);
    }
    kryo.addDefaultSerializer(Arrays.asList().getClass(), new CappedBuilt(true, Arrays::asList));
    // Kryo's collection and map serializers make room for the count first for these three alone
    // (and their subclasses); every other collection grows as it is read.
    kryo.addDefaultSerializer(ArrayList.class, CappedCollection.class);
    kryo.addDefaultSerializer(HashSet.class, CappedCollection.class);
    kryo.addDefaultSerializer(HashMap.class, CappedMap.class);
  }

  /**
   * Every other {@link Collection} (a {@code LinkedList}, a {@code CopyOnWriteArrayList}, a class
   * the filter allows): Kryo writes a collection of nulls as its count alone, and its own
   * serializer would add that many. Registered after the shared configuration, so that its
   * serializers win for their types; Kryo's own for collections of another format are named again
   * first (capped where they size by the count), as they would otherwise be shadowed. Maps need no
   * fallback: each entry takes bytes, and only a {@code HashMap} is made with room for its count.
   */
  static void registerFallbacks(Kryo kryo) {
    kryo.addDefaultSerializer(EnumSet.class, EnumSetSerializer.class);
    kryo.addDefaultSerializer(TreeSet.class, new CappedTreeSet());
    kryo.addDefaultSerializer(PriorityQueue.class, new CappedPriorityQueue());
    kryo.addDefaultSerializer(
        Collections.emptyList().getClass(), CollectionsEmptyListSerializer.class);
    kryo.addDefaultSerializer(
        Collections.emptySet().getClass(), CollectionsEmptySetSerializer.class);
    kryo.addDefaultSerializer(
        Collections.singletonList(null).getClass(), CollectionsSingletonListSerializer.class);
    kryo.addDefaultSerializer(
        Collections.singleton(null).getClass(), CollectionsSingletonSetSerializer.class);
    kryo.addDefaultSerializer(Collection.class, CappedCollection.class);
  }

  private static BoundedInput bounded(Input input) {
    return (BoundedInput) input;
  }

  /** Kryo's array format: {@code varint length + 1}, then the elements. */
  public static final class CappedObjectArray extends ObjectArraySerializer {
    public CappedObjectArray(Kryo kryo, Class<?> type) {
      super(kryo, type);
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public Object[] read(Kryo kryo, Input input, Class type) {
      bounded(input).fits(type, bounded(input).peekVarInt() - 1L, 1);
      return super.read(kryo, input, type);
    }
  }

  static final class CappedStringArray extends StringArraySerializer {
    @Override
    @SuppressWarnings("rawtypes") // Kryo's signature.
    public String[] read(Kryo kryo, Input input, Class type) {
      bounded(input).fits(String[].class, bounded(input).peekVarInt() - 1L, 1);
      return super.read(kryo, input, type);
    }
  }

  /** Kryo's collection format, with room made for a few elements at first. */
  public static final class CappedCollection extends CollectionSerializer<Collection<Object>> {
    @Override
    protected Collection<Object> create(
        Kryo kryo, Input input, Class<? extends Collection<Object>> type, int size) {
      bounded(input).claimElements(type, size);
      return super.create(kryo, input, type, Math.min(size, INITIAL_CAPACITY));
    }
  }

  /** Kryo's tree set format (the comparator, then the elements), its count claimed. */
  static final class CappedTreeSet extends TreeSetSerializer {
    @Override
    @SuppressWarnings("rawtypes") // Kryo's signature.
    protected TreeSet create(Kryo kryo, Input input, Class<? extends TreeSet> type, int size) {
      bounded(input).claimElements(type, size);
      return super.create(kryo, input, type, size);
    }
  }

  /** Kryo's priority queue format, its count claimed, with room made for a few elements. */
  static final class CappedPriorityQueue extends PriorityQueueSerializer {
    @Override
    @SuppressWarnings("rawtypes") // Kryo's signature.
    protected PriorityQueue create(
        Kryo kryo, Input input, Class<? extends PriorityQueue> type, int size) {
      bounded(input).claimElements(type, size);
      return super.create(kryo, input, type, Math.min(size, INITIAL_CAPACITY));
    }
  }

  /** Kryo's map format, with room made for a few entries at first. */
  public static final class CappedMap extends MapSerializer<Map<Object, Object>> {
    @Override
    protected Map<Object, Object> create(
        Kryo kryo, Input input, Class<? extends Map<Object, Object>> type, int size) {
      bounded(input).claimElements(type, size);
      return super.create(kryo, input, type, Math.min(size, INITIAL_CAPACITY));
    }
  }

  /**
   * The format of a Kryo serializer whose collection is built from its elements once they are all
   * read ({@code List.of}, {@code Set.of}, {@code Arrays.asList}), read capped.
   */
  static final class CappedBuilt extends CollectionSerializer<Collection<Object>> {
    private final Function<Object[], Collection<Object>> build;

    CappedBuilt(boolean elementsCanBeNull, Function<Object[], Collection<Object>> build) {
      setElementsCanBeNull(elementsCanBeNull);
      this.build = build;
    }

    @Override
    protected Collection<Object> create(
        Kryo kryo, Input input, Class<? extends Collection<Object>> type, int size) {
      bounded(input).claimElements(type, size);
      return new ArrayList<>(Math.min(size, INITIAL_CAPACITY));
    }

    @Override
    public Collection<Object> read(
        Kryo kryo, Input input, Class<? extends Collection<Object>> type) {
      Collection<Object> elements = super.read(kryo, input, type);
      return elements == null ? null : build.apply(elements.toArray());
    }
  }

  /** The format of Kryo's {@code Map.of} serializer (no null key or value), read capped. */
  static final class CappedImmutableMap extends MapSerializer<Map<Object, Object>> {
    CappedImmutableMap() {
      setKeysCanBeNull(false);
      setValuesCanBeNull(false);
    }

    @Override
    protected Map<Object, Object> create(
        Kryo kryo, Input input, Class<? extends Map<Object, Object>> type, int size) {
      bounded(input).claimElements(type, size);
      return new HashMap<>();
    }

    @Override
    public Map<Object, Object> read(
        Kryo kryo, Input input, Class<? extends Map<Object, Object>> type) {
      Map<Object, Object> map = super.read(kryo, input, type);
      return map == null ? null : Map.copyOf(map);
    }
  }
}
