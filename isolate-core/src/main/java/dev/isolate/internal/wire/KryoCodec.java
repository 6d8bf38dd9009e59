package dev.isolate.internal.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.ClosureSerializer;
import com.esotericsoftware.kryo.serializers.ImmutableCollectionsSerializers;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The one Kryo configuration of callables and results, the same in the caller and the child.
 *
 * <p>User types cannot be registered ahead of time, so registration is not required; references are
 * kept so that shared and cyclic object graphs survive the trip.
 */
public final class KryoCodec {
  private KryoCodec() {}

  /** A new Kryo that resolves classes through {@code loader}. Kryo instances are not thread-safe. */
  public static Kryo newKryo(ClassLoader loader) {
    Kryo kryo = new Kryo();
    kryo.setRegistrationRequired(false);
    kryo.setReferences(true);
    kryo.setClassLoader(loader);
    // Classes without a no-argument constructor are instantiated as Java serialization would.
    kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
    kryo.register(ClosureSerializer.Closure.class, new LambdaSerializer());
    ImmutableCollectionsSerializers.addDefaultSerializers(kryo);
    return kryo;
  }

  /**
   * Serializable lambdas, rebuilt through their capturing class's {@code $deserializeLambda$}.
   *
   * <p>Kryo's own ClosureSerializer calls {@code SerializedLambda.readResolve} reflectively, which JDK
   * 17 forbids without {@code --add-opens java.base/java.lang.invoke}; the capturing class is the
   * caller's own and open to reflection.
   */
  static final class LambdaSerializer extends Serializer<Object> {
    private static final ClassValue<Method> DESERIALIZERS =
        new ClassValue<>() {
          @Override
          protected Method computeValue(Class<?> capturingClass) {
            try {
              Method method = capturingClass.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
              method.setAccessible(true);
              return method;
            } catch (NoSuchMethodException e) {
              throw new IllegalStateException(
                  capturingClass.getName() + " declares no serializable lambda ($deserializeLambda$ is missing)", e);
            }
          }
        };

    @Override
    public void write(Kryo kryo, Output output, Object lambda) {
      SerializedLambda form = serializedForm(lambda);
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
        capturingClass = Class.forName(capturingClassName.replace('/', '.'), false, kryo.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("the lambda's capturing class " + capturingClassName + " is not on the class path", e);
      }
      SerializedLambda form =
          new SerializedLambda(
              capturingClass,
              input.readString(),
              input.readString(),
              input.readString(),
              input.readVarInt(true),
              input.readString(),
              input.readString(),
              input.readString(),
              input.readString(),
              captured);
      try {
        return DESERIALIZERS.get(capturingClass).invoke(null, form);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot rebuild a lambda of " + capturingClassName, e);
      } catch (InvocationTargetException e) {
        throw new IllegalStateException("cannot rebuild a lambda of " + capturingClassName, e.getCause());
      }
    }

    private static SerializedLambda serializedForm(Object lambda) {
      try {
        Method writeReplace = lambda.getClass().getDeclaredMethod("writeReplace");
        writeReplace.setAccessible(true);
        return (SerializedLambda) writeReplace.invoke(lambda);
      } catch (ReflectiveOperationException | ClassCastException e) {
        throw new IllegalArgumentException(
            lambda.getClass().getName() + " is not a serializable lambda: declare it as an IsolatedCallable or cast it to Serializable", e);
      }
    }
  }
}
