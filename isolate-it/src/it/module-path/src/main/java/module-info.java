/**
 * The shared application as a named module. The lambdas need nothing opened; Kryo, in isolate's
 * caller, reads the captured record through its public accessors, so it needs the package exported
 * to it (without this: CALLABLE_SERIALIZATION_FAILED, "module app does not "exports app" to module
 * com.esotericsoftware.kryo").
 */
module app {
  requires isolate.core;
  requires org.apache.commons.lang3;
  requires org.jnrproject.ffi;

  exports app to
      com.esotericsoftware.kryo;
}
