package dev.isolate.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.isolate.IsolatedCallable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Callables and values cross between a caller's Kryo and a child's, with the worker image's shape
 * preparation or without it, and come out equal.
 */
class KryoCodecTest {
  private static final ClassLoader LOADER = KryoCodecTest.class.getClassLoader();

  record Point(int x, String label, List<Long> path) {}

  enum Colour {
    RED,
    GREEN
  }

  private final String field = "from the instance";

  static String greet(String name) {
    return "hello " + name;
  }

  private static String staticName() {
    return "static";
  }

  private String instanceName() {
    return field;
  }

  // The lambdas reach private members on purpose: the child must rebuild such lambdas too.
  @SuppressWarnings("serial")
  static Stream<Arguments> callables() {
    int captured = 41;
    Point point = new Point(1, "p", new ArrayList<>(List.of(1L, 2L)));
    StringBuilder builder = new StringBuilder("bound");
    KryoCodecTest instance = new KryoCodecTest();
    return Stream.of(
        Arguments.of("capturing nothing", (IsolatedCallable<Object>) () -> 42, 42),
        Arguments.of("capturing values", (IsolatedCallable<Object>) () -> captured + 1, 42),
        Arguments.of(
            "capturing a record", (IsolatedCallable<Object>) () -> point.path(), point.path()),
        Arguments.of(
            "a static method reference",
            (IsolatedCallable<Object>) KryoCodecTest::staticName,
            "static"),
        Arguments.of(
            "a constructor reference", (IsolatedCallable<Object>) ArrayList::new, List.of()),
        Arguments.of(
            "a bound method reference", (IsolatedCallable<Object>) builder::toString, "bound"),
        Arguments.of(
            "capturing an instance",
            (IsolatedCallable<Object>) instance::instanceName,
            "from the instance"),
        Arguments.of("an enum", (IsolatedCallable<Object>) () -> Colour.GREEN, Colour.GREEN),
        Arguments.of(
            "a nested lambda",
            (IsolatedCallable<Object>) () -> ((IsolatedCallable<String>) () -> greet("you")).call(),
            "hello you"));
  }

  private static byte[] write(Kryo kryo, Object value) {
    Output output = new Output(256, -1);
    kryo.writeClassAndObject(output, value);
    return output.toBytes();
  }

  private static Object read(Kryo kryo, byte[] bytes) {
    return kryo.readClassAndObject(new Input(bytes));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("callables")
  void aCallableRunsTheSameAfterTheTrip(
      String kind, IsolatedCallable<Object> callable, Object expected) throws Exception {
    byte[] bytes = write(KryoCodec.newKryo(LOADER), callable);
    IsolatedCallable<?> child = (IsolatedCallable<?>) read(KryoCodec.newKryo(LOADER), bytes);
    assertThat(child.call()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("callables")
  void aPreparedShapeReadsTheSameAsAnUnpreparedOne(
      String kind, IsolatedCallable<Object> callable, Object expected) throws Exception {
    Kryo caller = KryoCodec.newKryo(LOADER);
    Set<String> shapes = new LinkedHashSet<>();
    KryoCodec.recordShapes(caller, shapes);
    byte[] bytes = write(caller, callable);
    KryoCodec.recordShapes(caller, null);
    assertThat(shapes).isNotEmpty();
    Kryo worker = KryoCodec.newKryo(LOADER);
    shapes.forEach(shape -> KryoCodec.prepare(worker, shape));
    // Twice: the first read of a prepared shape and the next ones take the same path.
    assertThat(((IsolatedCallable<?>) read(worker, bytes)).call()).isEqualTo(expected);
    assertThat(((IsolatedCallable<?>) read(worker, bytes)).call()).isEqualTo(expected);
  }

  @Test
  void shapesNameTheClassesAndLambdasWritten() {
    Kryo caller = KryoCodec.newKryo(LOADER);
    Set<String> shapes = new LinkedHashSet<>();
    KryoCodec.recordShapes(caller, shapes);
    Point point = new Point(1, "p", List.of());
    write(caller, (IsolatedCallable<Object>) () -> point);
    assertThat(shapes)
        .anyMatch(shape -> shape.equals("C" + Point.class.getName()))
        .anyMatch(shape -> shape.startsWith("L" + KryoCodecTest.class.getName().replace('.', '/')));
  }

  @Test
  void valuesOfEveryCommonKindComeBackEqual() {
    Object value =
        List.of(
            new Point(3, "q", List.of(7L)),
            Map.of("k", 1),
            Path.of("/tmp/some where"),
            new byte[] {1, 2},
            Colour.RED,
            "text",
            4.5);
    Object back = read(KryoCodec.newKryo(LOADER), write(KryoCodec.newKryo(LOADER), value));
    assertThat(back).usingRecursiveComparison().isEqualTo(value);
  }

  @Test
  void aLambdaOfAnInterfaceThatIsNotSerializableIsRefusedNamingTheInterface() {
    Supplier<String> plain = () -> "x";
    assertThatThrownBy(() -> write(KryoCodec.newKryo(LOADER), plain))
        .hasMessageContaining(
            "is a lambda of java.util.function.Supplier, which is not Serializable");
  }
}
