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
import java.io.Serializable;
import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
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

  private static final char LAMBDA_SHAPE = 'L';
  private static final int FLAG_SERIALIZABLE = 1;

  /**
   * A new Kryo that resolves classes through {@code loader}. Kryo instances are not thread-safe.
   */
  public static Kryo newKryo(ClassLoader loader) {
    Kryo kryo = new Kryo(new ShapeRecordingClassResolver(), new MapReferenceResolver());
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
  private static void recordShape(Kryo kryo, String key) {
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

  /**
   * Serializable lambdas, rebuilt through their capturing class's {@code $deserializeLambda$}.
   *
   * <p>Kryo's own ClosureSerializer calls {@code SerializedLambda.readResolve} reflectively, which
   * JDK 17 forbids without {@code --add-opens java.base/java.lang.invoke}; the capturing class is
   * the caller's own and open to reflection.
   */
  static final class LambdaSerializer extends Serializer<Object> {
    private static final ClassValue<Method> DESERIALIZERS =
        new ClassValue<>() {
          @Override
          protected Method computeValue(Class<?> capturingClass) {
            try {
              Method method =
                  capturingClass.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
              method.setAccessible(true);
              return method;
            } catch (NoSuchMethodException e) {
              throw new IllegalStateException(
                  capturingClass.getName()
                      + " declares no serializable lambda ($deserializeLambda$ is missing)",
                  e);
            }
          }
        };

    /**
     * Lambdas prepared ahead by {@link #prepare}, by shape key: the one instance of a lambda that
     * captures nothing (a {@link MethodHandle} call would make each child link its call site), or
     * the factory of one that captures values.
     */
    private final Map<String, Object> prepared = new HashMap<>();

    private static String shapeKey(
        String capturingClass,
        String functionalInterface,
        String methodName,
        String methodSignature,
        int implKind,
        String implClass,
        String implName,
        String implSignature,
        String instantiatedType,
        int capturedCount) {
      // A StringBuilder, not +: string concatenation links an invokedynamic call site, which each
      // child would link anew.
      return new StringBuilder(256)
          .append(LAMBDA_SHAPE)
          .append(capturingClass)
          .append(' ')
          .append(functionalInterface)
          .append(' ')
          .append(methodName)
          .append(' ')
          .append(methodSignature)
          .append(' ')
          .append(implKind)
          .append(' ')
          .append(implClass)
          .append(' ')
          .append(implName)
          .append(' ')
          .append(implSignature)
          .append(' ')
          .append(instantiatedType)
          .append(' ')
          .append(capturedCount)
          .toString();
    }

    /**
     * Spins the class of the lambda {@code key} describes, as its capturing class's bootstrap
     * would.
     */
    void prepare(ClassLoader loader, String key) throws Throwable {
      if (prepared.containsKey(key)) {
        return;
      }
      String[] part = key.substring(1).split(" ", -1);
      Class<?> capturing = Class.forName(part[0].replace('/', '.'), false, loader);
      Class<?> functionalInterface = Class.forName(part[1].replace('/', '.'), false, loader);
      if (!Serializable.class.isAssignableFrom(functionalInterface)) {
        // Its marker interfaces are not in the serialized form; only $deserializeLambda$ knows
        // them.
        return;
      }
      int implKind = Integer.parseInt(part[4]);
      Class<?> implClass = Class.forName(part[5].replace('/', '.'), false, loader);
      MethodType implType = MethodType.fromMethodDescriptorString(part[7], loader);
      MethodHandles.Lookup lookup =
          MethodHandles.privateLookupIn(capturing, MethodHandles.lookup());
      MethodHandle impl =
          switch (implKind) {
            case MethodHandleInfo.REF_invokeStatic ->
                lookup.findStatic(implClass, part[6], implType);
            case MethodHandleInfo.REF_invokeVirtual,
                MethodHandleInfo.REF_invokeInterface,
                MethodHandleInfo.REF_invokeSpecial ->
                lookup.findVirtual(implClass, part[6], implType);
            case MethodHandleInfo.REF_newInvokeSpecial ->
                lookup.findConstructor(implClass, implType);
            default -> null;
          };
      if (impl == null) {
        return;
      }
      int captured = Integer.parseInt(part[9]);
      MethodType factoryType =
          MethodType.methodType(
              functionalInterface, impl.type().parameterList().subList(0, captured));
      CallSite site =
          LambdaMetafactory.altMetafactory(
              lookup,
              part[2],
              factoryType,
              MethodType.fromMethodDescriptorString(part[3], loader),
              impl,
              MethodType.fromMethodDescriptorString(part[8], loader),
              FLAG_SERIALIZABLE);
      MethodHandle factory = site.getTarget();
      // Made once here, so that no child spins the classes that invoking the factory takes. A
      // lambda
      // without captured values is one shared instance; with them, it gets nulls and zeros here:
      // only
      // the lambda's own class runs, none of the capturing class's code.
      Object[] defaults = new Object[captured];
      for (int i = 0; i < captured; i++) {
        Class<?> type = factoryType.parameterType(i);
        defaults[i] = type.isPrimitive() ? MethodHandles.zero(type).invoke() : null;
      }
      Object made = factory.invokeWithArguments(defaults);
      prepared.put(key, captured == 0 ? made : factory);
    }

    /** Per lambda class, in the caller: its writeReplace method, and its shape key once known. */
    private static final ClassValue<LambdaClass> LAMBDA_CLASSES =
        new ClassValue<>() {
          @Override
          protected LambdaClass computeValue(Class<?> type) {
            try {
              Method writeReplace = type.getDeclaredMethod("writeReplace");
              writeReplace.setAccessible(true);
              return new LambdaClass(writeReplace);
            } catch (NoSuchMethodException | RuntimeException e) {
              return new LambdaClass(null);
            }
          }
        };

    private static final class LambdaClass {
      final Method writeReplace;

      /** The same for every instance of the class; set by the first write. */
      volatile String shapeKey;

      LambdaClass(Method writeReplace) {
        this.writeReplace = writeReplace;
      }
    }

    @Override
    public void write(Kryo kryo, Output output, Object lambda) {
      LambdaClass lambdaClass = LAMBDA_CLASSES.get(lambda.getClass());
      SerializedLambda form = serializedForm(lambda, lambdaClass.writeReplace);
      String shape = lambdaClass.shapeKey;
      if (shape == null) {
        shape =
            shapeKey(
                form.getCapturingClass(),
                form.getFunctionalInterfaceClass(),
                form.getFunctionalInterfaceMethodName(),
                form.getFunctionalInterfaceMethodSignature(),
                form.getImplMethodKind(),
                form.getImplClass(),
                form.getImplMethodName(),
                form.getImplMethodSignature(),
                form.getInstantiatedMethodType(),
                form.getCapturedArgCount());
        lambdaClass.shapeKey = shape;
      }
      recordShape(kryo, shape);
      output.writeVarInt(form.getCapturedArgCount(), true);
      for (int i = 0; i < form.getCapturedArgCount(); i++) {
        kryo.writeClassAndObject(output, form.getCapturedArg(i));
      }
      output.writeString(form.getCapturingClass());
      output.writeString(form.getFunctionalInterfaceClass());
      output.writeString(form.getFunctionalInterfaceMethodName());
      output.writeString(form.getFunctionalInterfaceMethodSignature());
      output.writeVarInt(form.getImplMethodKind(), true);
      output.writeString(form.getImplClass());
      output.writeString(form.getImplMethodName());
      output.writeString(form.getImplMethodSignature());
      output.writeString(form.getInstantiatedMethodType());
    }

    @Override
    public Object read(Kryo kryo, Input input, Class<? extends Object> type) {
      Object[] captured = new Object[input.readVarInt(true)];
      for (int i = 0; i < captured.length; i++) {
        captured[i] = kryo.readClassAndObject(input);
      }
      String capturingClassName = input.readString();
      Class<?> capturingClass;
      try {
        capturingClass =
            Class.forName(capturingClassName.replace('/', '.'), false, kryo.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(
            "the lambda's capturing class " + capturingClassName + " is not on the class path", e);
      }
      String functionalInterface = input.readString();
      String methodName = input.readString();
      String methodSignature = input.readString();
      int implKind = input.readVarInt(true);
      String implClass = input.readString();
      String implName = input.readString();
      String implSignature = input.readString();
      String instantiatedType = input.readString();
      if (!prepared.isEmpty()) {
        Object lambda =
            prepared.get(
                shapeKey(
                    capturingClassName,
                    functionalInterface,
                    methodName,
                    methodSignature,
                    implKind,
                    implClass,
                    implName,
                    implSignature,
                    instantiatedType,
                    captured.length));
        if (lambda instanceof MethodHandle factory) {
          try {
            return factory.invokeWithArguments(captured);
          } catch (Throwable e) {
            throw new IllegalStateException("cannot rebuild a lambda of " + capturingClassName, e);
          }
        } else if (lambda != null) {
          return lambda;
        }
      }
      SerializedLambda form =
          new SerializedLambda(
              capturingClass,
              functionalInterface,
              methodName,
              methodSignature,
              implKind,
              implClass,
              implName,
              implSignature,
              instantiatedType,
              captured);
      try {
        return DESERIALIZERS.get(capturingClass).invoke(null, form);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot rebuild a lambda of " + capturingClassName, e);
      } catch (InvocationTargetException e) {
        throw new IllegalStateException(
            "cannot rebuild a lambda of " + capturingClassName, e.getCause());
      }
    }

    private static SerializedLambda serializedForm(Object lambda, Method writeReplace) {
      try {
        if (writeReplace == null) {
          throw new NoSuchMethodException(lambda.getClass().getName() + ".writeReplace()");
        }
        return (SerializedLambda) writeReplace.invoke(lambda);
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new IllegalArgumentException(
            lambda.getClass().getName()
                + " is not a serializable lambda: declare it as an IsolatedCallable or cast it to"
                + " Serializable",
            e);
      }
    }
  }
}
