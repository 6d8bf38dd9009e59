/** The JUnit 5 extension of isolate: {@code @Isolated} test bodies run in a forked child. */
module isolate.junit {
  requires transitive isolate.core;
  requires transitive org.junit.jupiter.api;
  requires org.junit.platform.commons;

  exports dev.isolate.junit;

  // The body of a test travels to its child as a Kryo copy.
  opens dev.isolate.junit to
      com.esotericsoftware.kryo;
}
