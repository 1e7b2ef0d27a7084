package org.efiemu.core.engine;

import com.sun.jna.Callback;
import com.sun.jna.CallbackReference;
import com.sun.jna.Pointer;
import java.lang.reflect.Method;

/**
 * The native function pointer of a JNA callback in JNA's <em>direct</em> form, the one JNA makes for a callback passed
 * to a direct-mapped native method ({@link UnicornLib}): C calls the callback's Java method through JNI with its
 * primitive arguments. {@link CallbackReference#getFunctionPointer(Callback)}, JNA's public way to get a pointer to
 * hand to C by other means (a pointer that C code of our own calls, such as the clock ports' fallback for the
 * {@code IN} reads it does not answer), makes the other form: every call boxes the arguments into an {@code Object[]},
 * goes through {@code CallbackReference.DefaultCallbackProxy} and reflection, and unboxes the result (≈ 1 µs per call
 * with the launcher's first-tier JIT; a hunt machine's guest polls COM1's line status with {@code IN} for every byte
 * it prints after ExitBootServices).
 *
 * <p>JNA 5 chooses the form in its private {@code CallbackReference.getFunctionPointer(Callback, boolean direct)};
 * this class calls it with {@code direct = true} (the call JNA's own direct-mapped dispatch makes), and falls back to
 * the public method where that is not accessible (another JNA). Both forms call the same Java method with the same
 * values.
 */
final class DirectCallbacks {
  private static final Method DIRECT = find();

  private DirectCallbacks() {}

  private static Method find() {
    try {
      Method m = CallbackReference.class.getDeclaredMethod("getFunctionPointer", Callback.class, boolean.class);
      m.setAccessible(true);
      return m;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** True when pointers are of the direct form (JNA's private method was found). */
  static boolean direct() {
    return DIRECT != null;
  }

  /** The address C calls to run {@code callback} (kept reachable by the caller as long as C may call it). */
  static long pointer(Callback callback) {
    if (DIRECT != null) {
      try {
        return Pointer.nativeValue((Pointer) DIRECT.invoke(null, callback, true));
      } catch (ReflectiveOperationException e) {
        // not expected once found; the public form calls the same method
      }
    }
    return Pointer.nativeValue(CallbackReference.getFunctionPointer(callback));
  }
}
