package dev.isolate.internal.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
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
import java.util.HashMap;
import java.util.Map;

/**
 * Serializable lambdas, rebuilt through their capturing class's {@code $deserializeLambda$}.
 *
 * <p>Kryo's own ClosureSerializer calls {@code SerializedLambda.readResolve} reflectively, which
 * JDK 17 forbids without {@code --add-opens java.base/java.lang.invoke}; the capturing class is the
 * caller's own and open to reflection.
 */
final class LambdaSerializer extends Serializer<Object> {
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
   * captures nothing (a {@link MethodHandle} call would make each child link its call site), or the
   * factory of one that captures values.
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
        .append(KryoCodec.LAMBDA_SHAPE)
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
   * Spins the class of the lambda {@code key} describes, as its capturing class's bootstrap would.
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
    MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(capturing, MethodHandles.lookup());
    MethodHandle impl =
        switch (implKind) {
          case MethodHandleInfo.REF_invokeStatic -> lookup.findStatic(implClass, part[6], implType);
          case MethodHandleInfo.REF_invokeVirtual,
              MethodHandleInfo.REF_invokeInterface,
              MethodHandleInfo.REF_invokeSpecial ->
              lookup.findVirtual(implClass, part[6], implType);
          case MethodHandleInfo.REF_newInvokeSpecial -> lookup.findConstructor(implClass, implType);
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
            KryoCodec.FLAG_SERIALIZABLE);
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
          if (!Serializable.class.isAssignableFrom(type)) {
            return new LambdaClass(null, false);
          }
          try {
            Method writeReplace = type.getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            return new LambdaClass(writeReplace, true);
          } catch (NoSuchMethodException | RuntimeException e) {
            // A lambda of a package its module does not open to this one: Java serialization
            // can still ask it for its serialized form.
            return new LambdaClass(null, true);
          }
        }
      };

  private static final class LambdaClass {
    /** Its {@code writeReplace}, made accessible; null where it cannot be. */
    final Method writeReplace;

    final boolean serializable;

    /** The same for every instance of the class; set by the first write. */
    volatile String shapeKey;

    LambdaClass(Method writeReplace, boolean serializable) {
      this.writeReplace = writeReplace;
      this.serializable = serializable;
    }
  }

  @Override
  public void write(Kryo kryo, Output output, Object lambda) {
    LambdaClass lambdaClass = LAMBDA_CLASSES.get(lambda.getClass());
    SerializedLambda form = serializedForm(lambda, lambdaClass);
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
    KryoCodec.recordShape(kryo, shape);
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
    if (kryo instanceof DecodingKryo decoding) {
      // A lambda in a child's value runs its capturing class's code to be rebuilt: only a filter
      // that allows lambdas lets it.
      decoding.check(SerializedLambda.class, -1);
    }
    int count = input.readVarInt(true);
    if (input instanceof BoundedInput bounded) {
      bounded.fits(Object[].class, count, 1);
    }
    Object[] captured = new Object[count];
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
    if (kryo instanceof DecodingKryo decoding) {
      decoding.check(capturingClass, -1);
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

  /** The serialized form of {@code object} if it is a serializable lambda, else null. */
  static SerializedLambda formOrNull(Object object) {
    if (object == null || !object.getClass().isHidden()) {
      return null;
    }
    try {
      return serializedForm(object, LAMBDA_CLASSES.get(object.getClass()));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static SerializedLambda serializedForm(Object lambda, LambdaClass lambdaClass) {
    if (!lambdaClass.serializable) {
      Class<?>[] interfaces = lambda.getClass().getInterfaces();
      throw new IllegalArgumentException(
          lambda.getClass().getName()
              + " is a lambda of "
              + (interfaces.length > 0 ? interfaces[0].getName() : "an interface")
              + ", which is not Serializable");
    }
    try {
      if (lambdaClass.writeReplace != null) {
        return (SerializedLambda) lambdaClass.writeReplace.invoke(lambda);
      }
      return FormCapture.of(lambda);
    } catch (ReflectiveOperationException | ClassCastException | IOException e) {
      throw new IllegalArgumentException(
          "cannot get the serialized form of " + lambda.getClass().getName() + ": " + e, e);
    }
  }

  /**
   * Asks a lambda for its serialized form the way Java serialization does: {@link
   * ObjectOutputStream} calls its {@code writeReplace} with {@code java.base}'s own access, which
   * needs no {@code opens} from the lambda's module. The form is taken as it is replaced and never
   * written: its captured values need not be {@code java.io.Serializable}.
   */
  private static final class FormCapture extends ObjectOutputStream {
    private SerializedLambda form;

    private FormCapture() throws IOException {
      super(OutputStream.nullOutputStream());
      enableReplaceObject(true);
    }

    static SerializedLambda of(Object lambda) throws IOException {
      try (FormCapture capture = new FormCapture()) {
        capture.writeObject(lambda);
        if (capture.form == null) {
          throw new IOException(lambda.getClass().getName() + " gave no SerializedLambda");
        }
        return capture.form;
      }
    }

    @Override
    protected Object replaceObject(Object object) {
      if (object instanceof SerializedLambda captured && form == null) {
        form = captured;
        return null;
      }
      return object;
    }
  }
}
