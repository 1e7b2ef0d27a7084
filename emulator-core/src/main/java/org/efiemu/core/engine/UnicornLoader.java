package org.efiemu.core.engine;

import com.sun.jna.NativeLibrary;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the Unicorn 2 shared library.
 *
 * <p>Order: the system property {@value #PROPERTY} (a path), the environment variable {@value #ENV} (a path),
 * then the system library by name {@value #DEFAULT_NAME} (Debian ships no unversioned {@code libunicorn.so}).
 * When nothing loads, the {@link UnsatisfiedLinkError} names every attempt and the install command.
 */
public final class UnicornLoader {
  /** System property holding a path to the Unicorn library. */
  public static final String PROPERTY = "efiemu.unicorn.library";
  /** Environment variable holding a path to the Unicorn library. */
  public static final String ENV = "EFIEMU_UNICORN_LIBRARY";
  /** The library name loaded when no override is set. */
  public static final String DEFAULT_NAME = "libunicorn.so.2";
  /** What to run when the library is missing. */
  public static final String INSTALL_HINT = "sudo apt-get install -y libunicorn2";

  private UnicornLoader() {}

  /** The loaded library, or the error of the one attempt made per JVM (the binding is registered once). */
  private static final class Holder {
    static final Object RESULT = attempt();

    private static Object attempt() {
      try {
        return load(System.getProperty(PROPERTY), System.getenv(ENV));
      } catch (UnsatisfiedLinkError e) {
        return e;
      }
    }
  }

  /**
   * Loads the library once per JVM, honouring the overrides; every later call returns the same library or throws
   * an error with the same message.
   */
  public static NativeLibrary load() {
    Object r = Holder.RESULT;
    if (r instanceof UnsatisfiedLinkError e) {
      UnsatisfiedLinkError copy = new UnsatisfiedLinkError(e.getMessage());
      copy.initCause(e);
      throw copy;
    }
    return (NativeLibrary) r;
  }

  /** Loads the library from {@code propertyPath} or else {@code envPath} or else {@value #DEFAULT_NAME}. */
  static NativeLibrary load(String propertyPath, String envPath) {
    List<String> tried = new ArrayList<>();
    String candidate;
    String origin;
    if (propertyPath != null && !propertyPath.isBlank()) {
      candidate = propertyPath;
      origin = "-D" + PROPERTY;
    } else if (envPath != null && !envPath.isBlank()) {
      candidate = envPath;
      origin = ENV;
    } else {
      candidate = DEFAULT_NAME;
      origin = "system library";
    }
    try {
      return NativeLibrary.getInstance(candidate);
    } catch (UnsatisfiedLinkError e) {
      tried.add(origin + " '" + candidate + "': " + firstLine(e.getMessage()));
    }
    throw new UnsatisfiedLinkError("Unicorn 2 library not found; tried " + String.join("; ", tried)
        + ". Install it with: " + INSTALL_HINT + " (or point -D" + PROPERTY + "= / " + ENV
        + " at a libunicorn.so.2)");
  }

  private static String firstLine(String s) {
    if (s == null) return "not loadable";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
