package dev.isolate.junit;

import dev.isolate.IsolatedCallable;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/**
 * A test method's body, sent to the child: the copied test instance (with those of its enclosing
 * classes, outermost first, for a {@code @Nested} test), the method, its arguments.
 */
final class TestBody implements IsolatedCallable<Void> {
  private static final long serialVersionUID = 1L;
  private final String className;
  private final String methodName;
  private final String[] parameterTypes;
  private final Object target;
  private final Object[] instances;
  private final Object[] arguments;

  /** {@code instances} holds {@code target} too: Kryo copies it once, and the copy is relinked. */
  TestBody(Method method, Object target, Object[] instances, Object[] arguments) {
    this.className = method.getDeclaringClass().getName();
    this.methodName = method.getName();
    this.parameterTypes =
        Arrays.stream(method.getParameterTypes()).map(Class::getName).toArray(String[]::new);
    this.target = target;
    this.instances = instances;
    this.arguments = arguments;
  }

  @Override
  public Void call() throws Exception {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = ClassLoader.getSystemClassLoader();
    }
    Class<?>[] types = new Class<?>[parameterTypes.length];
    for (int i = 0; i < types.length; i++) {
      types[i] = forName(parameterTypes[i], loader);
    }
    Method method = Class.forName(className, false, loader).getDeclaredMethod(methodName, types);
    method.setAccessible(true);
    relinkEnclosing(instances);
    try {
      method.invoke(target, arguments);
    } catch (InvocationTargetException e) {
      Throwable thrown = e.getCause();
      if (thrown instanceof Exception exception) {
        throw exception;
      }
      if (thrown instanceof Error error) {
        throw error;
      }
      throw e;
    }
    return null;
  }

  /**
   * Gives each copied {@code @Nested} instance its copied enclosing instance back. Kryo skips
   * synthetic fields, and an inner class's reference to its enclosing instance ({@code this$0}) is
   * one: without this, a nested test that reads a field of its enclosing class would see {@code
   * null} in the child. Only a reference left null is set.
   */
  static void relinkEnclosing(Object[] instances) {
    for (int i = 1; i < instances.length; i++) {
      Object inner = instances[i];
      Object outer = instances[i - 1];
      if (inner == null || outer == null) {
        continue;
      }
      for (Field field : inner.getClass().getDeclaredFields()) {
        if (field.isSynthetic()
            && !Modifier.isStatic(field.getModifiers())
            && field.getType().isInstance(outer)) {
          try {
            field.setAccessible(true);
            if (field.get(inner) == null) {
              field.set(inner, outer);
            }
          } catch (IllegalAccessException | RuntimeException e) {
            // A class closed to reflection keeps its null; the body meets it as it would.
          }
        }
      }
    }
  }

  private static Class<?> forName(String name, ClassLoader loader) throws ClassNotFoundException {
    return switch (name) {
      case "boolean" -> boolean.class;
      case "byte" -> byte.class;
      case "char" -> char.class;
      case "short" -> short.class;
      case "int" -> int.class;
      case "long" -> long.class;
      case "float" -> float.class;
      case "double" -> double.class;
      default -> Class.forName(name, false, loader);
    };
  }
}
