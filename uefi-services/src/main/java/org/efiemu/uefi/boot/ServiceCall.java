package org.efiemu.uefi.boot;

import java.util.ArrayList;
import java.util.List;
import org.efiemu.core.gate.CallContext;
import org.efiemu.core.memory.GuestMemory;
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

    /** True when a guest pointer designates {@code length} bytes of RAM (NULL and wild pointers do not). */
    public boolean isRam(long pointer, long length) {
        return memory().isRam(pointer, length);
    }

    /** Reads an EFI_GUID argument; null when the pointer is NULL or not RAM. */
    public Guid guidAt(long pointer) {
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

    /** Adds a decoded output (what an OUT parameter received). */
    public ServiceCall output(String decoded) {
        outputs.add(decoded);
        return this;
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
