package org.efiemu.uefi.boot;

import org.efiemu.core.memory.GuestMemoryException;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.gate.CallContext;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * One guest call of a service as an ABI adapter sees it: the raw MS x64 arguments, guest memory, the caller, and
 * the decoded arguments and outputs the adapter reports for the trace.
 */
public final class ServiceCall {
    private final String service;
    private final CallContext context;
    private final long callerRip;
    private final List<String> arguments = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private long rawReturn;
    private EfiStatus forced;
    private Boolean lockTaken;
    /** What releasing the service's lock does (set by the dispatcher for a slot that may release one), or null. */
    private Runnable lockRelease;
    private boolean lockReleased;
    /** How deep the outputs written now are nested ({@link #nest}): two spaces each. */
    private int depth;

    ServiceCall(String service, CallContext context) {
        this.service = service;
        this.context = context;
        this.callerRip = context.returnAddress();
    }

    /** The spec name, e.g. {@code AllocatePages} or {@code ConOut.OutputString}. */
    public String service() {
        return service;
    }

    /** Raw argument {@code i} (0-based). */
    public long arg(int i) {
        return context.arg(i);
    }

    /**
     * Replaces raw argument {@code i} before the service runs (an interceptor's {@link ServiceInterceptor#before}):
     * the adapter then reads {@code value}, whether the argument is in a register or on the stack.
     */
    public void setArg(int i, long value) {
        context.setArg(i, value);
    }

    /**
     * Makes the guest see {@code status} instead of what the service returned (an interceptor's
     * {@link ServiceInterceptor#after}); the trace records the forced status and what the service had returned.
     * Only for services returning an EFI_STATUS.
     */
    public void forceStatus(EfiStatus status) {
        forced = java.util.Objects.requireNonNull(status, "status");
    }

    /** The status an interceptor forced, or null. */
    EfiStatus forcedStatus() {
        return forced;
    }

    /**
     * Says whether this call took (and released) the service's lock, where the slot's {@link LockRelease} rule cannot
     * tell from the status alone (e.g. EDK2's OpenProtocol refuses a NULL Protocol before its lock and an invalid
     * handle under it, both with EFI_INVALID_PARAMETER).
     */
    public void lockTaken(boolean taken) {
        lockTaken = taken;
    }

    /**
     * The service releases its lock at this point of its work, as EDK2's does ({@code CoreReleaseLock} ->
     * {@code CoreRestoreTpl}): RFLAGS.IF is set below TPL_HIGH_LEVEL, and a timer tick pending since the caller's
     * {@code cli} is taken here, its notification functions running before the rest of the service (e.g.
     * {@code CoreGetMemoryMap} writes {@code *MemoryMapSize} after its locks are released). Once per call; a call that
     * does not say it releases its lock at the end, when its {@link LockRelease} rule says it took one. Nothing for a
     * slot without a lock rule. Also says {@link #lockTaken(boolean) lockTaken(true)}.
     */
    public void releaseLockHere() {
        lockTaken = true;
        if (lockRelease != null && !lockReleased) {
            lockReleased = true;
            lockRelease.run();
        }
    }

    /** Set by the dispatcher: what {@link #releaseLockHere()} does for this call. */
    void onLockRelease(Runnable release) {
        this.lockRelease = release;
    }

    /** True when the adapter released the lock itself ({@link #releaseLockHere()}). */
    boolean lockReleasedByAdapter() {
        return lockReleased;
    }

    /** What the adapter said with {@link #lockTaken(boolean)}, or null. */
    Boolean lockTakenSaid() {
        return lockTaken;
    }

    /** Raw argument {@code i} as a UINT32 (the upper half of the register is undefined in the ABI). */
    public int argU32(int i) {
        return (int) context.arg(i);
    }

    public GuestMemory memory() {
        return context.memory();
    }

    public CallContext context() {
        return context;
    }

    /** The guest RIP the call came from (its return address): the call site recorded for allocations. */
    public long callerRip() {
        return callerRip;
    }

    /**
     * Natural alignment of the type a pointer argument designates. UEFI 2.10 §2.3.1: "Unless otherwise specified, all
     * data types are naturally aligned"; a structure is aligned as its widest member.
     */
    public enum Align {
        /** {@code VOID *} buffers, UINT8 data, BOOLEAN: no requirement. */
        NONE(1),
        /** CHAR16 strings, UINT16, {@code EFI_INPUT_KEY}. */
        CHAR16(2),
        /** UINT32, {@code EFI_GUID} (its widest member is UINT32), {@code EFI_TIME}. */
        UINT32(4),
        /**
         * UINTN, UINT64, {@code EFI_PHYSICAL_ADDRESS}, {@code EFI_HANDLE}, {@code EFI_EVENT}, pointers, structures with
         * 8-byte members ({@code EFI_MEMORY_DESCRIPTOR}).
         */
        UINT64(8);

        private final int bytes;

        Align(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }

        /** True when {@code pointer} is a multiple of {@link #bytes()} (NULL is aligned). */
        public boolean accepts(long pointer) {
            return (pointer & (bytes - 1)) == 0;
        }
    }

    /** True when a guest pointer designates {@code length} bytes of RAM (NULL and wild pointers do not); no alignment. */
    public boolean isRam(long pointer, long length) {
        return memory().isRam(pointer, length);
    }

    /**
     * THE check of a guest pointer argument {@code name}: a misaligned pointer ends the service with
     * {@code EFI_INVALID_PARAMETER} (see {@link #requireAligned(String, long, Align, EfiStatus)}); otherwise true when
     * it designates {@code length} bytes of RAM. A NULL or non-RAM pointer returns false and the adapter applies the
     * rule its service's spec text gives for it.
     */
    public boolean isRam(String name, long pointer, long length, Align align) {
        requireAligned(name, pointer, align, EfiStatus.INVALID_PARAMETER);
        return isRam(pointer, length);
    }

    /**
     * Rejects a non-NULL pointer argument {@code name} that is not naturally aligned for the type it designates (UEFI
     * 2.10 §2.3.1). The trace's outputs record why ({@code Memory=0x1001 misaligned (UEFI 2.10 §2.3.1)}) and the
     * service returns {@code status} (thrown as {@link EfiException}, which the dispatcher turns into RAX). EDK2
     * itself does not check alignment; efiemu does so that a guest relying on an unaligned access being tolerated is
     * found on the emulator rather than on stricter firmware.
     */
    public void requireAligned(String name, long pointer, Align align, EfiStatus status) {
        if (!align.accepts(pointer)) {
            String why = name + "=" + hex(pointer) + " misaligned (UEFI 2.10 §2.3.1)";
            output(why);
            throw new EfiException(status, service + ": " + why + ", expected a multiple of " + align.bytes());
        }
    }

    /**
     * Reads the NUL-terminated CHAR16 string argument {@code name} (at most {@code maxChars} characters); null when the
     * pointer is NULL, not RAM, unterminated within RAM, or not 2-byte aligned (UEFI 2.10 §2.3.1; misalignment is
     * recorded as for {@link #requireAligned}). The caller rejects null with its service's status.
     */
    public String char16At(String name, long pointer, int maxChars) {
        if (!Align.CHAR16.accepts(pointer)) {
            output(name + "=" + hex(pointer) + " misaligned (UEFI 2.10 §2.3.1)");
            return null;
        }
        if (!isRam(pointer, 2)) {
            return null;
        }
        try {
            return memory().utf16z(pointer, maxChars);
        } catch (GuestMemoryException e) {
            return null;
        }
    }

    /**
     * Reads the EFI_GUID argument {@code name}; null when the pointer is NULL, not RAM, or not 4-byte aligned (the
     * widest member of EFI_GUID, Data1, is a UINT32; UEFI 2.10 §2.3.1). Misalignment is recorded as for
     * {@link #requireAligned}; the caller, which may read the GUID before decoding the arguments, rejects null with
     * the status its service gives for a bad GUID pointer.
     */
    public Guid guidAt(String name, long pointer) {
        if (!Align.UINT32.accepts(pointer)) {
            output(name + "=" + hex(pointer) + " misaligned (UEFI 2.10 §2.3.1)");
            return null;
        }
        return isRam(pointer, Guid.SIZE) ? Guid.fromBytes(memory().read(pointer, Guid.SIZE)) : null;
    }

    /** Sets the decoded arguments shown in the trace (spec enum names, hex addresses). */
    public ServiceCall arguments(Object... decoded) {
        arguments.clear();
        for (Object o : decoded) {
            arguments.add(String.valueOf(o));
        }
        return this;
    }

    /** Adds a decoded output (what an OUT parameter received), indented by the current nesting ({@link #nest}). */
    public ServiceCall output(String decoded) {
        outputs.add(depth == 0 ? decoded : "  ".repeat(depth) + decoded);
        return this;
    }

    /**
     * Reserves the place of an output in call order whose text is known only later (a driver function's line, which
     * ends with the status it returns, written when it returns: {@link #outputAt}); the lines written meanwhile come
     * after it. The place holds an empty line until filled.
     */
    public int reserveOutput() {
        outputs.add("");
        return outputs.size() - 1;
    }

    /** Fills the place {@link #reserveOutput} returned, indented as the outputs written when it was reserved. */
    public ServiceCall outputAt(int place, int nesting, String decoded) {
        outputs.set(place, nesting == 0 ? decoded : "  ".repeat(nesting) + decoded);
        return this;
    }

    /** The current nesting of outputs (0 at the top). */
    public int nesting() {
        return depth;
    }

    /**
     * Runs {@code body} with its outputs nested one level deeper (two more spaces): what a driver function the service
     * calls makes happen inside it (the Stops an uninstall of its causes), shown under its line.
     */
    public <T> T nest(java.util.function.Supplier<T> body) {
        depth++;
        try {
            return body.get();
        } finally {
            depth--;
        }
    }

    /**
     * The RAX value of a service that returns something other than an EFI_STATUS (RaiseTPL returns the old
     * {@code EFI_TPL}); used when the adapter returns null.
     */
    public ServiceCall returnValue(long value) {
        rawReturn = value;
        return this;
    }

    long rawReturn() {
        return rawReturn;
    }

    public List<String> decodedArguments() {
        return List.copyOf(arguments);
    }

    public List<String> decodedOutputs() {
        return List.copyOf(outputs);
    }

    /** {@code 0x}-prefixed upper-case hex, as traces show addresses. */
    public static String hex(long v) {
        return "0x" + Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
    }

    /** A pointer argument: {@code NULL} or hex. */
    public static String ptr(long v) {
        return v == 0 ? "NULL" : hex(v);
    }
}
