package org.efiemu.core.engine;

/**
 * An installed Unicorn hook. Closing it removes the native hook ({@code uc_hook_del}) and drops the reference that
 * kept its JNA callback reachable; closing twice does nothing.
 */
public final class Hook implements AutoCloseable {
  private final Engine engine;
  private final long handle;
  private final String description;
  private final Runnable release;
  private Object callback;

  Hook(Engine engine, long handle, Object callback, String description) {
    this(engine, handle, callback, description, null);
  }

  /** {@code release} frees native state of the callback once the native hook is gone. */
  Hook(Engine engine, long handle, Object callback, String description, Runnable release) {
    this.engine = engine;
    this.handle = handle;
    this.callback = callback;
    this.description = description;
    this.release = release;
  }

  long handle() {
    return handle;
  }

  /** The callback object the native hook calls (a JNA callback or a native function's address); null once removed. */
  Object callback() {
    return callback;
  }

  /** Whether the hook is still installed. */
  public boolean isActive() {
    return callback != null;
  }

  /**
   * The same native hook owned by {@code next} from now on (a {@link ReusableEngine} keeps it for the next machine);
   * this object becomes inactive without removing it.
   */
  Hook movedTo(Engine next) {
    Hook h = new Hook(next, handle, callback, description, release);
    callback = null;
    return h;
  }

  @Override
  public void close() {
    if (callback == null) return;
    try {
      engine.removeHook(this);
    } finally {
      callback = null;
      if (release != null) release.run();
    }
  }

  @Override
  public String toString() {
    return description + (isActive() ? "" : " (removed)");
  }
}
