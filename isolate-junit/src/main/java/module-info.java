/**
 * The JUnit Jupiter extension of isolate: the bodies of {@code @ProcessIsolated} tests run in a
 * forked child. JUnit is not a dependency of this module for its users: it runs on theirs (Jupiter
 * 5.10 or later, 6 included).
 */
module isolate.junit {
  requires transitive isolate.core;
  requires transitive org.junit.jupiter.api;
  requires org.junit.platform.commons;

  exports dev.isolate.junit;

  // The body of a test travels to its child as a Kryo copy.
  opens dev.isolate.junit to
      com.esotericsoftware.kryo;
}
