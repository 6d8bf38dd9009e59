/**
 * The libc binding of isolate: the only module that talks to the operating system. It is for
 * isolate's own use; nothing in it is a public API.
 */
module isolate.posix {
  requires org.jnrproject.ffi;

  exports dev.isolate.posix to
      isolate.core;
}
