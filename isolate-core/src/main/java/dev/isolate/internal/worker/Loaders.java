package dev.isolate.internal.worker;

import dev.isolate.internal.wire.Frame;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * The class loaders the caller defined ({@link Frame.DefineLoader}) for callables whose classes are
 * not on the worker image's class path: a plugin's. Made in the worker image, before the children
 * that use them are forked, so that each child inherits them; a child reads its callable with the
 * loader its call names. Grows by one small object per loader, which the caller defines once.
 */
final class Loaders {
  private final ClassLoader[] loaders = new ClassLoader[Frame.DefineLoader.MAX_LOADERS + 1];

  Loaders() {
    loaders[0] = ClassLoader.getSystemClassLoader();
  }

  /** Makes loader {@code definition.loaderId()}; the caller numbers them parents first. */
  void define(Frame.DefineLoader definition) {
    URL[] urls = new URL[definition.classPath().size()];
    for (int i = 0; i < urls.length; i++) {
      try {
        urls[i] = Path.of(definition.classPath().get(i)).toUri().toURL();
      } catch (MalformedURLException | IllegalArgumentException e) {
        throw new IllegalStateException("the caller defined a loader over " + definition, e);
      }
    }
    ClassLoader parent = loaders[definition.parentId()];
    loaders[definition.loaderId()] =
        new URLClassLoader(
            "isolate-loader-" + definition.loaderId(), urls, parent != null ? parent : loaders[0]);
  }

  /**
   * The loader {@code id} names.
   *
   * @throws IllegalStateException if the caller never defined it
   */
  ClassLoader get(int id) {
    ClassLoader loader = loaders[id];
    if (loader == null) {
      throw new IllegalStateException("the call names class loader " + id + ", never defined");
    }
    return loader;
  }
}
