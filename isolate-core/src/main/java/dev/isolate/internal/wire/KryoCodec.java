package dev.isolate.internal.wire;

import com.esotericsoftware.kryo.DefaultSerializer;
import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ClosureSerializer;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.MapReferenceResolver;
import java.io.ObjectInputFilter;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The one Kryo configuration of callables and results, the same in the caller and the child.
 *
 * <p>User types cannot be registered ahead of time, so registration is not required; references are
 * kept so that shared and cyclic object graphs survive the trip.
 */
public final class KryoCodec {
  private KryoCodec() {}

  /** Where {@link #recordShapes} keeps its set in a Kryo's context. */
  private static final Object SHAPES = new Object();

  /** Shape keys: a class by name, or a lambda by everything that identifies its implementation. */
  private static final char CLASS_SHAPE = 'C';

  static final char LAMBDA_SHAPE = 'L';
  static final int FLAG_SERIALIZABLE = 1;

  /**
   * A new Kryo that resolves classes through {@code loader}. Kryo instances are not thread-safe.
   */
  public static Kryo newKryo(ClassLoader loader) {
    return configure(
        new Kryo(new ShapeRecordingClassResolver(), new MapReferenceResolver()), loader);
  }

  /**
   * A new Kryo for the caller to write callables with, which tells {@code written} the name of the
   * class of every object it writes.
   */
  public static Kryo newWritingKryo(ClassLoader loader, Consumer<String> written) {
    return configure(new WritingKryo(written), loader);
  }

  /** A Kryo that names each class it looks up, which is every class of an object it writes. */
  private static final class WritingKryo extends Kryo {
    private final Consumer<String> written;

    WritingKryo(Consumer<String> written) {
      super(new ShapeRecordingClassResolver(), new MapReferenceResolver());
      this.written = written;
    }

    @Override
    @SuppressWarnings("rawtypes") // Kryo's signature.
    public Registration getRegistration(Class type) {
      if (written != null) {
        written.accept(type.getName());
      }
      return super.getRegistration(type);
    }
  }

  /**
   * A new Kryo for the caller to read a child's value with, through {@code filter}, at most {@code
   * maxDepth} objects deep (see {@link DecodingKryo}).
   */
  public static DecodingKryo newDecodingKryo(
      ClassLoader loader, ObjectInputFilter filter, int maxDepth) {
    DecodingKryo kryo = new DecodingKryo(filter);
    // First, so that they take precedence over the configuration's own.
    CappedSerializers.register(kryo);
    configure(kryo, loader);
    CappedSerializers.registerFallbacks(kryo);
    kryo.setMaxDepth(maxDepth);
    return kryo;
  }

  private static <K extends Kryo> K configure(K kryo, ClassLoader loader) {
    kryo.setRegistrationRequired(false);
    kryo.setReferences(true);
    kryo.setClassLoader(loader);
    // Classes without a no-argument constructor are instantiated as Java serialization would.
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    kryo.register(ClosureSerializer.Closure.class, new LambdaSerializer());
    ImmutableCollectionsSerializers.addDefaultSerializers(kryo);
    // A Path's implementation (sun.nio.fs.UnixPath) keeps its fields in java.base, closed to
    // reflection: a Path travels as its string, on the default file system.
    kryo.addDefaultSerializer(Path.class, new PathSerializer());
    return kryo;
  }

  /** A {@link Path} of the default file system, as its string. */
  static final class PathSerializer extends Serializer<Path> {
    PathSerializer() {
      setImmutable(true);
    }

    @Override
    public void write(Kryo kryo, Output output, Path path) {
      output.writeString(path.toString());
    }

    @Override
    public Path read(Kryo kryo, Input input, Class<? extends Path> type) {
      return Path.of(input.readString());
    }
  }

  /**
   * From now on, until called with null, adds to {@code shapes} a key for every class {@code kryo}
   * writes and every lambda it serializes: what a child needs to read the object, and what the
   * worker image can prepare once, before forking, instead of every child doing it again (see
   * {@link #prepare}).
   */
  @SuppressWarnings("unchecked") // Kryo's context is a raw ObjectMap.
  public static void recordShapes(Kryo kryo, Set<String> shapes) {
    if (shapes == null) {
      kryo.getContext().remove(SHAPES);
    } else {
      kryo.getContext().put(SHAPES, shapes);
    }
  }

  @SuppressWarnings("unchecked")
  static void recordShape(Kryo kryo, String key) {
    Object shapes = kryo.getContext().get(SHAPES);
    if (shapes != null) {
      ((Set<String>) shapes).add(key);
    }
  }

  /**
   * Does ahead, in {@code kryo}, what reading an object of this shape would do the first time:
   * loads the class and builds its serializer and instantiator, or spins the lambda's class. Runs
   * no code of the class itself: no class is initialized, no constructor or static method called.
   * Shapes that cannot be prepared that way (enums, whose serializer reads their constants, classes
   * with their own serializer, lambdas of an interface that is not {@link java.io.Serializable})
   * are skipped, and so is a shape that fails to prepare: the child then does the work, and reports
   * what fails.
   */
  public static void prepare(Kryo kryo, String key) {
    try {
      if (key.charAt(0) == CLASS_SHAPE) {
        prepareClass(kryo, key.substring(1));
      } else if (key.charAt(0) == LAMBDA_SHAPE) {
        lambdaSerializer(kryo).prepare(kryo.getClassLoader(), key);
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      // Left to the child, as if never prepared.
    }
  }

  private static void prepareClass(Kryo kryo, String name) throws ClassNotFoundException {
    Class<?> type = Class.forName(name, false, kryo.getClassLoader());
    if (type.isEnum()
        || (type.getSuperclass() != null && type.getSuperclass().isEnum())
        || type.isAnnotationPresent(DefaultSerializer.class)
        || kryo.getClassResolver().getRegistration(type) != null) {
      return;
    }
    Registration registration = kryo.getRegistration(type);
    if (registration.getInstantiator() == null
        && !type.isInterface()
        && !Modifier.isAbstract(type.getModifiers())) {
      registration.setInstantiator(kryo.getInstantiatorStrategy().newInstantiatorOf(type));
    }
  }

  private static LambdaSerializer lambdaSerializer(Kryo kryo) {
    return (LambdaSerializer) kryo.getRegistration(ClosureSerializer.Closure.class).getSerializer();
  }

  /** Records each class written, for {@link #recordShapes}. */
  private static final class ShapeRecordingClassResolver extends DefaultClassResolver {
    @Override
    public Registration writeClass(Output output, @SuppressWarnings("rawtypes") Class type) {
      Registration registration = super.writeClass(output, type);
      if (type != null && !type.isArray() && !type.isPrimitive() && !type.isHidden()) {
        recordShape(kryo, CLASS_SHAPE + type.getName());
      }
      return registration;
    }
  }
}
