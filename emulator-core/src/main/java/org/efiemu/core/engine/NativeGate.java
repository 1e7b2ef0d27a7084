package org.efiemu.core.engine;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The JNI side of the call-gate shim {@code libefiemu_gate.so} ({@code emulator-core/src/main/native/efiemu_gate.c},
 * built by Maven with gcc into {@code native/linux-x86_64/} of the class path). Its C {@code uc_cb_hookcode_t}
 * callback filters slot starts, reads RSP, RCX, RDX, R8, R9 and CR3 with one {@code uc_reg_read_batch}, reads the
 * return address at [RSP], calls {@link #dispatch} with the values as {@code long}s (a JNI upcall on the emulating
 * thread, which is always a Java thread) and writes RAX when the hook asked for it. The {@code uc_*} entry points
 * are handed to C from the library JNA loaded, so the shim has no link-time dependency on Unicorn.
 *
 * <p>{@link #status()} tells whether the shim is usable and, if not, why; {@code -Defiemu.gate.native=false}
 * disables it (every gate then uses JNA callbacks, and the block instruction counter
 * {@link org.efiemu.core.clock.BlockCounter}, which lives in the same library, is unavailable).
 *
 * <p>Inside a jar the library is copied to a new temporary file on every start (a random name: the first
 * {@code SecureRandom} of the process, with its security providers); {@code -Defiemu.gate.library=PATH} names a copy
 * made beforehand, loaded in place instead (the {@code ./efiemu} launcher unpacks one per build, as it does JNA's
 * stub). A path that is not a readable file leaves the shim unavailable, with the path and the reason in the status.
 */
public final class NativeGate {
  /** System property; {@code false} disables the shim. */
  public static final String PROPERTY = "efiemu.gate.native";
  /** System property naming the library's file, loaded in place instead of a temporary copy of the class path's. */
  public static final String LIBRARY_PROPERTY = "efiemu.gate.library";
  /** Where the build puts the library on the class path. */
  public static final String RESOURCE = "/native/linux-x86_64/libefiemu_gate.so";

  /** Whether the shim is loaded, and the reason when it is not. */
  public record Status(boolean available, String reason) {
    @Override
    public String toString() {
      return available ? "native gate: " + reason : "native gate unavailable: " + reason;
    }
  }

  /** The one load attempt per JVM (a loaded library cannot be unloaded; the result never changes). */
  private static final class Holder {
    static final Status STATUS = load();
  }

  private final Engine engine;
  private final Hooks.GateHook hook;
  private final GateFrame frame;
  private long handle;

  /** Loads (once) and reports the shim's availability. */
  public static Status status() {
    return Holder.STATUS;
  }

  private static Status load() {
    if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
      return new Status(false, "disabled by -D" + PROPERTY + "=false");
    }
    String os = System.getProperty("os.name");
    String arch = System.getProperty("os.arch");
    if (!"Linux".equals(os) || !("amd64".equals(arch) || "x86_64".equals(arch))) {
      return new Status(false, "the shim is built for Linux x86-64 only (os.name=" + os + ", os.arch=" + arch + ")");
    }
    String given = System.getProperty(LIBRARY_PROPERTY);
    if (given != null && !given.isBlank()) {
      return loadGiven(given);
    }
    URL url = NativeGate.class.getResource(RESOURCE);
    if (url == null) {
      return new Status(false, RESOURCE + " is not on the class path (the build found no gcc or no JDK jni.h)");
    }
    try {
      Path path;
      if ("file".equals(url.getProtocol())) {
        path = Path.of(url.toURI());
      } else {
        path = Files.createTempFile("libefiemu_gate", ".so");
        path.toFile().deleteOnExit();
        try (InputStream in = url.openStream()) {
          Files.copy(in, path, StandardCopyOption.REPLACE_EXISTING);
        }
      }
      System.load(path.toAbsolutePath().toString());
      hookFunction();
      return new Status(true, "loaded from " + url);
    } catch (IOException | URISyntaxException | UnsatisfiedLinkError | SecurityException e) {
      return new Status(false, "loading " + url + " failed: " + e);
    }
  }

  /** Loads the library from the file {@code -Defiemu.gate.library} names. */
  private static Status loadGiven(String given) {
    String origin = "-D" + LIBRARY_PROPERTY + "=" + given;
    try {
      Path path = Path.of(given).toAbsolutePath();
      if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
        return new Status(false, origin + ": no readable file there");
      }
      System.load(path.toString());
      hookFunction();
      return new Status(true, "loaded from " + path + " (" + "-D" + LIBRARY_PROPERTY + ")");
    } catch (java.nio.file.InvalidPathException | UnsatisfiedLinkError | SecurityException e) {
      return new Status(false, "loading " + origin + " failed: " + e);
    }
  }

  private NativeGate(Engine engine, Hooks.GateHook hook, long base, int slot) {
    this.engine = engine;
    this.hook = hook;
    NativeLibrary lib = UnicornLoader.load();
    int[] ids = {X86Reg.RSP.id(), X86Reg.RCX.id(), X86Reg.RDX.id(), X86Reg.R8.id(), X86Reg.R9.id(),
        X86Reg.CR3.id()};
    handle = create(base, slot, ids, X86Reg.RAX.id(), address(lib, "uc_reg_read_batch"), address(lib, "uc_mem_read"),
        address(lib, "uc_reg_write"), address(lib, "uc_emu_stop"));
    if (handle == 0) throw new IllegalStateException("libefiemu_gate.so could not create a gate (out of memory?)");
    frame = new GateFrame(resultBuffer(handle));
  }

  private static long address(NativeLibrary lib, String name) {
    return Pointer.nativeValue(lib.getFunction(name));
  }

  /** Creates the native state of a gate over slots of {@code slot} bytes (a power of two) from {@code base}. */
  static NativeGate create(Engine engine, Hooks.GateHook hook, long base, int slot) {
    Status s = status();
    if (!s.available()) throw new IllegalStateException(s.toString());
    return new NativeGate(engine, hook, base, slot);
  }

  /** The C callback to pass to {@code uc_hook_add}. */
  long callback() {
    return hookFunction();
  }

  /** The C state to pass as {@code user_data}. */
  long userData() {
    return handle;
  }

  /** Frees the native state; the hook must have been removed (or the engine closed) before. */
  void release() {
    if (handle == 0) return;
    destroy(handle);
    handle = 0;
  }

  /** Called from C for every slot start except slot 0. */
  @SuppressWarnings("unused")
  private long dispatch(long address, long rsp, long rcx, long rdx, long r8, long r9, long cr3, long returnAddress,
      int regError, int memError) {
    try {
      if (regError != 0) Engine.check(regError, "reg_read_batch [RSP, RCX, RDX, R8, R9, CR3]");
      frame.enter(rsp, rcx, rdx, r8, r9, cr3, returnAddress, memError);
      hook.onGate(address, frame);
    } catch (Throwable t) {
      engine.fail(t);
    }
    return 0;
  }

  /** Called from C when {@link #dispatch} itself threw (e.g. a StackOverflowError in its handler). */
  @SuppressWarnings("unused")
  private void failed(Throwable t) {
    engine.fail(t);
  }

  private native long create(long base, long slot, int[] regIds, int raxId, long regReadBatch, long memRead,
      long regWrite, long emuStop);

  private static native ByteBuffer resultBuffer(long gate);

  private static native long hookFunction();

  private static native void destroy(long gate);
}
