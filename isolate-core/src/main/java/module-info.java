/**
 * isolate: runs a callable in a child process forked from a fork-safe worker image, so that a
 * crash, a leak or a hang in it costs one child. Users see {@code dev.isolate}; everything else is
 * the library's own.
 */
module isolate.core {
  requires isolate.posix;
  requires com.esotericsoftware.kryo;
  requires org.objenesis;
  requires org.objectweb.asm;
  requires java.instrument;
  requires java.management;
  requires jdk.jfr;

  exports dev.isolate;
}
