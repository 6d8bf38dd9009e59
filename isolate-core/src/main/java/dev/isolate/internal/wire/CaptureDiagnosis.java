package dev.isolate.internal.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Output;
import java.io.Closeable;
import java.io.OutputStream;
import java.io.Serializable;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.nio.channels.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a callable cannot travel to its child, in terms of the user's code: which captured value (by
 * index and type, or the enclosing instance) and which field path inside it, why that cannot be
 * copied to another process, and the fix that fits. Run only once writing the callable has failed.
 */
public final class CaptureDiagnosis {
  private static final Pattern NOT_OPEN =
      Pattern.compile("module (\\S+) does not \"(?:opens|exports) ([\\w.]+)\" to");

  private CaptureDiagnosis() {}

  /**
   * What the user is told about {@code callable}, which {@code failure} kept from being written:
   * the culprit and the fix; {@code kryos} makes writers to try each captured value alone.
   */
  public static String explain(Object callable, Throwable failure, Supplier<Kryo> kryos) {
    SerializedLambda form = LambdaSerializer.formOrNull(callable);
    if (form == null) {
      return "the callable, a "
          + callable.getClass().getName()
          + ", cannot be serialized"
          + path(failure)
          + ": "
          + why(culprit(callable, failure), failure);
    }
    String where =
        "the lambda in " + form.getImplClass().replace('/', '.') + "." + form.getImplMethodName();
    boolean capturesThis = form.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic;
    for (int i = 0; i < form.getCapturedArgCount(); i++) {
      Object captured = form.getCapturedArg(i);
      Throwable alone = writeAlone(captured, kryos.get());
      if (alone == null) {
        continue;
      }
      String which =
          capturesThis && i == 0
              ? "captures its enclosing instance (this, a " + typeOf(captured) + ")"
              : "captures value #" + i + " (a " + typeOf(captured) + ")";
      return where
          + " "
          + which
          + path(alone)
          + ", which cannot be copied to the child: "
          + why(culprit(captured, alone), alone);
    }
    return where + " cannot be serialized: " + why(null, failure);
  }

  /** The failure of writing {@code value} on its own, or null if it writes. */
  private static Throwable writeAlone(Object value, Kryo kryo) {
    try {
      kryo.writeClassAndObject(new Output(OutputStream.nullOutputStream()), value);
      return null;
    } catch (RuntimeException | StackOverflowError e) {
      return e;
    }
  }

  private static String typeOf(Object value) {
    if (value == null) {
      return "null";
    }
    Class<?> type = value.getClass();
    if (type.isHidden() && type.getInterfaces().length > 0) {
      return "lambda of " + type.getInterfaces()[0].getName();
    }
    return type.getName();
  }

  /** The fields Kryo went through to the part that failed, outermost first, from its trace. */
  private static List<String> fields(Throwable failure) {
    List<String> fields = new ArrayList<>();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof KryoException && t.getMessage() != null) {
        String message = t.getMessage();
        int trace = message.indexOf("Serialization trace:");
        if (trace >= 0) {
          for (String line : message.substring(trace).split("\n")) {
            int space = line.indexOf(" (");
            if (space > 0 && !line.startsWith("Serialization trace")) {
              fields.add(0, line.substring(0, space));
            }
          }
          return fields;
        }
      }
    }
    return fields;
  }

  private static String path(Throwable failure) {
    List<String> fields = fields(failure);
    return fields.isEmpty() ? "" : ", in its field " + String.join(".", fields);
  }

  /** The object at the end of the failure's field path from {@code root}, as far as it reads. */
  private static Object culprit(Object root, Throwable failure) {
    Object at = root;
    for (String name : fields(failure)) {
      Object next = null;
      for (Class<?> type = at == null ? null : at.getClass(); type != null; ) {
        try {
          Field field = type.getDeclaredField(name);
          if (!field.trySetAccessible()) {
            return at;
          }
          next = field.get(at);
          break;
        } catch (NoSuchFieldException e) {
          type = type.getSuperclass();
        } catch (IllegalAccessException | InaccessibleObjectException e) {
          return at;
        }
      }
      if (next == null) {
        return at;
      }
      at = next;
    }
    return at;
  }

  /** Why {@code culprit} (or what {@code failure} names) cannot travel, and what to do. */
  private static String why(Object culprit, Throwable failure) {
    if (culprit instanceof Thread) {
      return "a Thread belongs to the JVM that runs it; pass the data the thread works on instead,"
          + " or mark the field transient";
    }
    if (culprit instanceof Closeable || culprit instanceof Channel) {
      return "a "
          + culprit.getClass().getName()
          + " is an open stream, channel or connection of this process; pass the data instead"
          + " (its bytes, a String, or a Path for the child to open)";
    }
    if (culprit != null
        && culprit.getClass().isHidden()
        && !(culprit instanceof Serializable)
        && culprit.getClass().getInterfaces().length > 0) {
      String type = culprit.getClass().getInterfaces()[0].getName();
      return "it is a lambda of "
          + type
          + ", which is not Serializable; make it serializable where it is created with an"
          + " intersection cast, ("
          + simpleName(type)
          + "<...> & java.io.Serializable) () -> ..., or capture the value it gives instead";
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      Matcher notOpen = NOT_OPEN.matcher(String.valueOf(t.getMessage()));
      if (notOpen.find()) {
        String module = notOpen.group(1);
        String pkg = notOpen.group(2);
        return module.startsWith("java.") || module.startsWith("jdk.")
            ? "its class is the JDK's, in package "
                + pkg
                + " of module "
                + module
                + ", whose fields are closed to reflection: pass a value of your own or of the"
                + " JDK's value types, or mark the field transient"
            : "package "
                + pkg
                + " of module "
                + module
                + " is not open to Kryo, which copies the values a callable captures: add 'opens "
                + pkg
                + " to com.esotericsoftware.kryo;' to "
                + module
                + "'s module-info (or run with --add-opens "
                + module
                + "/"
                + pkg
                + "=com.esotericsoftware.kryo)";
      }
    }
    Throwable root = failure;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return "Kryo could not copy it ("
        + root
        + "); mark the field transient if the child does not need it";
  }

  private static String simpleName(String className) {
    return className.substring(className.lastIndexOf('.') + 1);
  }
}
