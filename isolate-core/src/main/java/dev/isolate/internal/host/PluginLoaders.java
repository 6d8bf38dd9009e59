package dev.isolate.internal.host;

import dev.isolate.internal.wire.Frame;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The class loaders of an isolator's callables that its worker class path does not cover: a
 * plugin's {@link URLClassLoader}, made after the worker image started. Each gets an id and a
 * definition (its files and its parent's id) that the worker image turns into a loader of its own
 * before it forks the call's child; the child reads the callable with it. Loaders are held weakly:
 * an unloaded plugin is forgotten. Thread-safe.
 */
public final class PluginLoaders {
  /**
   * What a call names: its loader's id, and the definitions a worker image needs, parents first.
   */
  public record Use(int loaderId, List<Frame.DefineLoader> definitions) {
    static final Use DEFAULT = new Use(0, List.of());
  }

  private final WorkerClassPath classPath;
  private final Path directory;
  private final Map<ClassLoader, Frame.DefineLoader> defined = new WeakHashMap<>();
  private final List<String> skipped = new ArrayList<>();
  private int lastId;

  /** Loaders of callables that neither the class path nor a definition can serve, described. */
  private final List<String> unserved = new ArrayList<>();

  /**
   * Loaders not covered by {@code classPath}; copies of their non-file URLs go to {@code
   * directory}.
   */
  public PluginLoaders(WorkerClassPath classPath, Path directory) {
    this.classPath = classPath;
    this.directory = directory;
  }

  /**
   * The loader a callable of {@code type} is read with in the child: the default (0), or one this
   * isolator defines for its class loader and those of its parents that the class path does not
   * cover. A loader that is not a {@code URLClassLoader} cannot be defined: the default is used,
   * and {@link #hint} says what to do if its classes are missing.
   */
  public synchronized Use useFor(Class<?> type) {
    ClassLoader loader = type.getClassLoader();
    if (classPath.covers(loader)) {
      return Use.DEFAULT;
    }
    List<Frame.DefineLoader> chain = new ArrayList<>();
    Frame.DefineLoader own = define(loader, chain);
    return own == null ? Use.DEFAULT : new Use(own.loaderId(), List.copyOf(chain));
  }

  private Frame.DefineLoader define(ClassLoader loader, List<Frame.DefineLoader> chain) {
    if (classPath.covers(loader)) {
      return null;
    }
    Frame.DefineLoader known = defined.get(loader);
    if (known != null) {
      defineParents(loader, chain);
      chain.add(known);
      return known;
    }
    if (!(loader instanceof URLClassLoader urls) || lastId >= Frame.DefineLoader.MAX_LOADERS) {
      String description = loader.getClass().getName() + " " + loader;
      if (!unserved.contains(description) && unserved.size() < 16) {
        unserved.add(description);
      }
      return null;
    }
    Frame.DefineLoader parent = defineParents(loader, chain);
    int id = ++lastId;
    List<String> files = new ArrayList<>();
    for (Path path :
        WorkerClassPath.filesOf(urls.getURLs(), directory, "loader-" + id + "-", skipped)) {
      files.add(path.toString());
    }
    Frame.DefineLoader definition =
        new Frame.DefineLoader(id, parent == null ? 0 : parent.loaderId(), files);
    defined.put(loader, definition);
    chain.add(definition);
    return definition;
  }

  /** Defines the nearest parent of {@code loader} the class path does not cover, if any. */
  private Frame.DefineLoader defineParents(ClassLoader loader, List<Frame.DefineLoader> chain) {
    ClassLoader parent = loader.getParent();
    return parent == null || classPath.covers(parent) ? null : define(parent, chain);
  }

  /**
   * What a user whose class was not found in the child should know: the loaders isolate could not
   * read, and entries it could not copy; empty if none.
   */
  public synchronized String hint() {
    List<String> unreadable = new ArrayList<>(classPath.unreadableLoaders());
    unreadable.addAll(unserved);
    List<String> notCopied = new ArrayList<>(classPath.skipped());
    notCopied.addAll(skipped);
    StringBuilder hint = new StringBuilder();
    if (!unreadable.isEmpty()) {
      hint.append("; isolate cannot see the classes of ")
          .append(String.join(", ", unreadable))
          .append(" (not a URLClassLoader): add their jars with Isolator.Builder.classPath(...)");
    }
    if (!notCopied.isEmpty()) {
      hint.append("; these class path entries could not be read as jars: ")
          .append(String.join(", ", notCopied));
    }
    return hint.toString();
  }
}
