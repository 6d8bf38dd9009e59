package dev.isolate.internal.host;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.lang.module.ResolvedModule;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where the worker image finds the caller's classes: one flat class path, learnt from the caller's
 * own class loaders rather than from {@code java.class.path} alone, which for a Spring Boot jar,
 * {@code mvn exec:java} or a plugin host names only the launcher.
 *
 * <p>Sources, in the order a parent-first loader would search them: {@code java.class.path}; the
 * locations of the modules in the layers of the loaders' classes (a caller on the module path); the
 * URLs of every {@link URLClassLoader} in the loaders' parent chains, the nearest to the system
 * loader first; then the entries the user added. A URL the JDK cannot open as a file (Spring Boot's
 * {@code jar:nested:}, anything a custom URL handler serves) is read through the caller's own
 * handler and copied into the isolator's directory as a plain jar, so that the worker image loads
 * every class with the JDK's own loader: no launcher code runs in it, and nothing of it is shared
 * with a child but read-only files.
 */
public final class WorkerClassPath {
  /** An entry: a file or directory the JDK reads, or a URL to copy first. */
  private sealed interface Entry {}

  private record Local(Path path) implements Entry {}

  private record Remote(URL url) implements Entry {}

  /** The names of the copies start so. */
  static final String COPY_PREFIX = "classpath-";

  private final List<Entry> entries;
  private final Set<ClassLoader> covered;
  private final List<String> unreadable;

  /**
   * Entries that could not be copied as jars, and why: skipped, and named when a class is missing.
   */
  private final List<String> skipped = new ArrayList<>();

  private WorkerClassPath(List<Entry> entries, Set<ClassLoader> covered, List<String> unreadable) {
    this.entries = entries;
    this.covered = covered;
    this.unreadable = unreadable;
  }

  /**
   * The class path that serves the classes of {@code loaders} (for an isolator: its own loader and
   * the thread's context loader when it is built), plus {@code extra}.
   */
  public static WorkerClassPath of(List<ClassLoader> loaders, List<Path> extra) {
    Set<Entry> entries = new LinkedHashSet<>();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        entries.add(new Local(Path.of(entry).toAbsolutePath()));
      }
    }
    addModuleLocations(WorkerClassPath.class.getModule().getLayer(), entries);
    Set<ClassLoader> covered = Collections.newSetFromMap(new IdentityHashMap<>());
    covered.add(ClassLoader.getSystemClassLoader());
    covered.add(ClassLoader.getPlatformClassLoader());
    List<String> unreadable = new ArrayList<>();
    for (ClassLoader loader : loaders) {
      List<ClassLoader> chain = new ArrayList<>();
      for (ClassLoader at = loader; at != null && !covered.contains(at); at = at.getParent()) {
        chain.add(0, at);
      }
      for (ClassLoader at : chain) {
        if (at instanceof URLClassLoader urls) {
          for (URL url : urls.getURLs()) {
            entries.add(entryOf(url));
          }
          covered.add(at);
        } else {
          unreadable.add(describe(at));
        }
      }
    }
    for (Path path : extra) {
      entries.add(new Local(path.toAbsolutePath()));
    }
    return new WorkerClassPath(List.copyOf(entries), covered, List.copyOf(unreadable));
  }

  /**
   * Adds the file locations of the modules of {@code layer} and its parents: in the worker image
   * they are plain class path entries, every class in the unnamed module and open to reflection.
   */
  private static void addModuleLocations(ModuleLayer layer, Set<Entry> entries) {
    if (layer == null) {
      return;
    }
    for (ResolvedModule module : layer.configuration().modules()) {
      module
          .reference()
          .location()
          .filter(location -> "file".equals(location.getScheme()))
          .ifPresent(location -> entries.add(new Local(Path.of(location))));
    }
    for (ModuleLayer parent : layer.parents()) {
      addModuleLocations(parent, entries);
    }
  }

  private static Entry entryOf(URL url) {
    String spec = url.toString();
    // The JDK's own URL of a jar's root, jar:file:/x.jar!/, is that jar.
    if (spec.startsWith("jar:file:")
        && spec.endsWith("!/")
        && spec.indexOf("!/") == spec.length() - 2) {
      try {
        return new Local(Path.of(new URL(spec.substring(4, spec.length() - 2)).toURI()));
      } catch (IOException | URISyntaxException | IllegalArgumentException e) {
        return new Remote(url);
      }
    }
    if ("file".equals(url.getProtocol())) {
      try {
        return new Local(Path.of(url.toURI()));
      } catch (URISyntaxException | IllegalArgumentException e) {
        // A file URL with characters a URI does not take: read it as any other URL.
      }
    }
    return new Remote(url);
  }

  private static String describe(ClassLoader loader) {
    return loader.getClass().getName() + (loader.getName() == null ? "" : " " + loader.getName());
  }

  /** Whether the classes of {@code loader} are on this class path. */
  public boolean covers(ClassLoader loader) {
    return loader == null || covered.contains(loader);
  }

  /**
   * Loaders in the chains this class path was learnt from whose classes it could not see (not a
   * {@code URLClassLoader}): what a user is told when a class of theirs is not found.
   */
  public List<String> unreadableLoaders() {
    return unreadable;
  }

  /**
   * The entries as paths, copying what is not a local file into {@code directory} first (named
   * {@code classpath-N.jar}, removed with the directory). An entry that cannot be read as a jar is
   * left out, and named by {@link #skipped}.
   */
  public synchronized List<Path> materialize(Path directory) {
    List<Path> paths = new ArrayList<>();
    skipped.clear();
    int copies = 0;
    for (Entry entry : entries) {
      if (entry instanceof Local local) {
        paths.add(local.path());
      } else {
        copied(((Remote) entry).url(), directory.resolve(COPY_PREFIX + copies++ + ".jar"), skipped)
            .ifPresent(paths::add);
      }
    }
    return paths;
  }

  /** The entries {@link #materialize} left out, with why. */
  public synchronized List<String> skipped() {
    return List.copyOf(skipped);
  }

  /**
   * The files of a loader's {@code urls}, copying what is not a local file into {@code directory}
   * (named by {@code prefix}); an entry that cannot be read as a jar is added to {@code skipped}.
   */
  static List<Path> filesOf(URL[] urls, Path directory, String prefix, List<String> skipped) {
    List<Path> paths = new ArrayList<>();
    int copies = 0;
    for (URL url : urls) {
      if (entryOf(url) instanceof Local local) {
        paths.add(local.path());
      } else {
        copied(url, directory.resolve(prefix + copies++ + ".jar"), skipped).ifPresent(paths::add);
      }
    }
    return paths;
  }

  /** {@code url} copied to {@code target}; empty, and added to {@code skipped}, if it cannot be. */
  private static Optional<Path> copied(URL url, Path target, List<String> skipped) {
    try {
      copy(url, target);
      return Optional.of(target);
    } catch (IOException | RuntimeException e) {
      skipped.add(url + " (" + e.getMessage() + ")");
      return Optional.empty();
    }
  }

  /** Reads {@code url} as a jar through the caller's own URL handler, into {@code target}. */
  private static void copy(URL url, Path target) throws IOException {
    try (InputStream raw = url.openStream();
        PushbackInputStream in = new PushbackInputStream(raw, 2)) {
      byte[] magic = new byte[2];
      int read = in.readNBytes(magic, 0, 2);
      if (read < 2 || magic[0] != 'P' || magic[1] != 'K') {
        throw new IOException("it does not read as a jar");
      }
      in.unread(magic, 0, read);
      try (OutputStream out = Files.newOutputStream(target)) {
        in.transferTo(out);
      }
    }
  }

  /** The entries of {@code paths} joined as a class path. */
  public static String join(List<Path> paths) {
    List<String> strings = new ArrayList<>();
    for (Path path : paths) {
      strings.add(path.toString());
    }
    return String.join(File.pathSeparator, strings);
  }
}
