package org.efiemu.uefi.sanitizer;

import com.google.common.collect.Range;
import com.google.common.collect.RangeMap;
import com.google.common.collect.TreeRangeMap;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.efiemu.core.engine.Engine;
import org.efiemu.core.engine.Hook;
import org.efiemu.core.engine.MemAccess;
import org.efiemu.core.engine.Perm;
import org.efiemu.core.engine.UnicornLib;
import org.efiemu.core.engine.X86Reg;
import org.efiemu.core.memory.GuestFault;
import org.efiemu.core.memory.PhysicalMemory;
import org.efiemu.uefi.UefiMachine;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.memory.OwnerRun;
import org.efiemu.uefi.memory.OwnershipListener;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.trace.TraceListener;

/**
 * The memory-ownership sanitizer: flags every guest write to memory the application does not own (see
 * {@link WritePolicy} for who owns what before and after ExitBootServices) with its RIP, address, length and owner.
 *
 * <p>Normal runs stay fast because no store is hooked: every mapped page the application does not own is
 * write-protected (through the engine's set of write-protected pages where it has one, {@code Engine.writeProtect}: no
 * Unicorn region is split; else {@code uc_mem_protect}, read and execute only). The first guest write to such a page raises
 * {@code UC_MEM_WRITE_PROT}; the sanitizer records it, lifts the protection and lets the write proceed, and from then on
 * watches that page (and its reported neighbours, one bounded {@code UC_HOOK_MEM_WRITE} per contiguous run) so the
 * lengths of later writes there are exact. Where the engine can ({@link Engine#protectedStoreHooks()}, and unless
 * {@code -Defiemu.watch=hook}) a watched page instead stays write-protected and every store to it is taken in the
 * protection fault ({@link Engine#addProtectedStoreHook}) and recorded exactly as the write hook records it: no
 * {@code UC_HOOK_MEM_WRITE} at all, so Unicorn 2.0.1 keeps translating the machine's loads and stores inline rather
 * than through its helpers (docs/performance.md, "Watched pages without a write hook"). Protections follow the memory model's ownership listener (AllocatePages,
 * FreePages, pool growth), lazily mapped RAM chunks, and ExitBootServices. A write to an address with no RAM stops the
 * run (the machine's fault) and is reported as firmware corruption of {@code no RAM}. Host (firmware) writes are not
 * affected: they copy into the RAM's host memory ({@code Engine.write}), which ignores page protections.
 *
 * <pre>{@code
 * try (UefiMachine m = UefiMachine.builder(platform).payload(file).build();
 *      MemorySanitizer sanitizer = MemorySanitizer.attach(m)) {
 *     BootResult r = m.run();
 *     SanitizerReport findings = sanitizer.report();
 * }
 * }</pre>
 */
public final class MemorySanitizer implements AutoCloseable {
    /** Contiguous watched runs beyond which newly reported pages are not watched (each run is one bounded hook). */
    public static final int MAX_WATCH_RUNS = 64;
    private static final long PAGE = 0x1000;
    private static final Set<Perm> PROTECTED = EnumSet.of(Perm.READ, Perm.EXEC);
    /**
     * {@code -Defiemu.sanitizer.fullRefreshAtExit=true}: at ExitBootServices every mapped page is refreshed instead
     * of only those whose answer can change (the same protections; for measuring the difference).
     */
    private static final boolean FULL_REFRESH_AT_EXIT = Boolean.getBoolean("efiemu.sanitizer.fullRefreshAtExit");
    /**
     * System property choosing how watched pages are watched: {@code hook} (a bounded {@code UC_HOOK_MEM_WRITE} per
     * contiguous run, the pages unprotected) or {@code fault} (the default where the engine can: the pages stay
     * write-protected and their stores are taken in the protection fault). Read at each attach.
     */
    public static final String WATCH_PROPERTY = "efiemu.watch";

    private final UefiMachine machine;
    private final Engine engine;
    private final PhysicalMemory physical;
    private final WritePolicy policy;
    private final SanitizerListener listener;
    private final FindingLog log = new FindingLog();
    private final PageProtections protections;
    private final RangeMap<Long, Hook> watchHooks = TreeRangeMap.create();
    private final OwnershipListener ownershipListener = this::ownershipChanged;
    private final PhysicalMemory.ChunkListener chunkListener = this::chunkMapped;
    private final TraceListener traceListener = this::serviceCalled;
    private final PhysicalMemory.HostWriteListener hostWriteListener = this::hostWrote;
    private final org.efiemu.uefi.boot.ServiceInterceptor callWatch = new org.efiemu.uefi.boot.ServiceInterceptor() {
        @Override
        public void before(org.efiemu.uefi.boot.ServiceCall call) {
            current = call;
            if (call.service().equals("FreePages")) {
                freeing(call);
            }
        }

        @Override
        public void after(org.efiemu.uefi.boot.ServiceCall call, org.efiemu.uefi.spec.EfiStatus status) {
            current = null;
        }
    };
    /** The service call in progress (between the dispatcher's before and after interceptors), or null. */
    private org.efiemu.uefi.boot.ServiceCall current;
    private final Hook faultHook;
    /** Protections through the engine's page set ({@link Engine#writeProtect}) rather than region splits. */
    private final boolean pageSet;
    private long faults;
    private boolean closed;
    /** The write hook added before the first run ({@link #attach(UefiMachine, SanitizerListener, boolean)}), or null. */
    private final Hook earlyWriteHook;
    /** Watched pages stay write-protected and their stores are taken in the protection fault (no write hook). */
    private final boolean storesInFault;

    private MemorySanitizer(UefiMachine machine, SanitizerListener listener, boolean writeHookFromTheStart) {
        this.machine = machine;
        this.engine = machine.machine().engine();
        this.physical = machine.machine().physical();
        this.listener = listener;
        this.pageSet = engine.pageWriteProtection();
        this.storesInFault = watchesInFault(engine);
        List<long[]> owned = new ArrayList<>();
        owned.add(new long[] {machine.image().base(), pageUp(machine.image().base() + machine.image().size())});
        for (FirmwareArena.Piece p : machine.arena()) {
            if (p.label().startsWith("application stack")) {
                owned.add(new long[] {p.base(), p.end()});
            }
        }
        this.policy = new WritePolicy(machine.memoryMap(), owned, machine.arena());
        if (machine.state().exitedBootServices()) {
            policy.exitBootServices();
        }
        this.protections = new PageProtections(policy, new PageProtections.Effects() {
            @Override
            public void protect(long start, long end, boolean on) {
                MemorySanitizer.this.protect(start, end, on);
            }

            @Override
            public void rehook(long start, long end) {
                if (!storesInFault) {
                    MemorySanitizer.this.rehook(Range.closedOpen(start, end));
                }
            }

            @Override
            public void closeHooks(long start, long end) {
                if (!storesInFault) {
                    MemorySanitizer.this.closeHooks(Range.closedOpen(start, end));
                }
            }

            @Override
            public int hookRuns() {
                // with stores taken in the fault a watched run has no hook; the same limit counts its runs
                return storesInFault ? protections.watchedRunCount() : watchHooks.asMapOfRanges().size();
            }
        }, MAX_WATCH_RUNS, storesInFault);
        faultHook = storesInFault ? engine.addProtectedStoreHook(this::onProtectedStore)
                : physical.onProtectionFault(this::onProtectionFault);
        for (long[] chunk : physical.mappedChunks()) {
            protections.addMapped(chunk[0], chunk[1]);
        }
        machine.memoryMap().addListener(ownershipListener);
        physical.addChunkListener(chunkListener);
        machine.trace().addListener(traceListener);
        physical.addHostWriteListener(hostWriteListener);
        machine.services().intercept("*", callWatch);
        protections.refreshAll();
        // Unicorn 2.0.1 translates every load and store differently while any UC_HOOK_MEM_WRITE exists, whatever its
        // range: one over the last byte of the address space (never RAM) makes all code of the machine translated the
        // way the code after a first watched page is, so that a reused engine can keep it for the next such machine
        earlyWriteHook = writeHookFromTheStart && !storesInFault
                ? engine.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, -1L, -1L, (type, address, size, value) -> { })
                : null;
    }

    /**
     * Whether a sanitizer attached now to a machine of {@code engine} takes the stores to its watched pages in the
     * protection fault instead of a write hook: the engine can ({@link Engine#protectedStoreHooks()}) and
     * {@code -Defiemu.watch} is not {@code hook}. Such a sanitizer adds no write hook at all, not even the one
     * {@link #attach(UefiMachine, SanitizerListener, boolean)} would add from the start.
     */
    public static boolean watchesInFault(Engine engine) {
        return !"hook".equalsIgnoreCase(System.getProperty(WATCH_PROPERTY)) && engine.protectedStoreHooks();
    }

    /** Whether this sanitizer added the write hook before the first run (asked for, and no {@link #storesInFault}). */
    public boolean startedWithWriteHook() {
        return earlyWriteHook != null;
    }

    /** Whether this sanitizer watches pages in the protection fault ({@link #watchesInFault}). */
    public boolean storesInFault() {
        return storesInFault;
    }

    /** Starts watching {@code machine} (before {@link UefiMachine#run()}). */
    public static MemorySanitizer attach(UefiMachine machine) {
        return attach(machine, f -> { });
    }

    /** Starts watching {@code machine}; {@code listener} hears each new finding as it happens. */
    public static MemorySanitizer attach(UefiMachine machine, SanitizerListener listener) {
        return attach(machine, listener, false);
    }

    /**
     * Starts watching {@code machine}; with {@code writeHookFromTheStart} a write hook that never fires is installed
     * before the first run, so that all of the machine's code is translated as the code run after a first watched
     * page is (every load and store through Unicorn's helper, RIP written back before each store). Findings are the
     * same; where the run stops at a store that faults (no RAM), RIP and the instruction count are those of code
     * translated with a write hook (the faulting store), which the machine's code translated after the sanitizer's
     * first watched page shows either way. For engines that keep translated code between such machines.
     */
    public static MemorySanitizer attach(UefiMachine machine, SanitizerListener listener, boolean writeHookFromTheStart) {
        return new MemorySanitizer(Objects.requireNonNull(machine, "machine"), Objects.requireNonNull(listener, "listener"),
                writeHookFromTheStart);
    }

    /** The findings so far (complete once the run ended), including a write to memory with no RAM that stopped it. */
    public SanitizerReport report() {
        List<SanitizerFinding> findings = new ArrayList<>(log.findings());
        GuestFault fault = physical.lastFault();
        if (fault != null && fault.access().isWrite() && fault.access() != MemAccess.WRITE_PROT) {
            findings.add(new SanitizerFinding(FindingKind.FIRMWARE_CORRUPTION, engine.reg(X86Reg.RIP), fault.address(),
                    Math.max(1, fault.size()), "no RAM", "no RAM (" + fault.reason() + ")", policy.afterExitBootServices(),
                    machine.trace().nextSequence() - 1, 1));
        }
        return new SanitizerReport(findings, faults, protections.watchedPages(), protections.unwatchedPages());
    }

    /**
     * Whether a write has been watched so far: the sanitizer added its first bounded {@code UC_HOOK_MEM_WRITE} (a
     * fault on a protected page). Without the write hook from the start ({@link #attach(UefiMachine, SanitizerListener,
     * boolean)}) that is when the machine's code starts being translated with a write hook.
     */
    public boolean watchedAWrite() {
        return protections.watchedPages() > 0 || protections.unwatchedPages() > 0;
    }

    // ---- protections -------------------------------------------------------------------------------------------

    private void chunkMapped(long base, long size) {
        if (closed) {
            return;
        }
        protections.mapped(base, size);
    }

    private void ownershipChanged(OwnerRun run) {
        policy.invalidate();
        if (!closed) {
            protections.refresh(run.base(), run.end());
        }
    }

    private void serviceCalled(ServiceCallEvent e) {
        if (!policy.afterExitBootServices() && e.service().equals("ExitBootServices") && e.status().equals("EFI_SUCCESS")) {
            if (closed) {
                policy.exitBootServices();
                return;
            }
            // only the OS-owned descriptors' pages (and pages lifted past the watch limit) can change: PageProtections
            protections.exitBootServices(!FULL_REFRESH_AT_EXIT);
        }
    }

    /**
     * Write-protects ({@code on}) or unprotects {@code [start, end)}: through the engine's page set where it has one
     * ({@link Engine#pageWriteProtection()}: no Unicorn region is split, guest stores see the same), else with
     * {@code uc_mem_protect} (read and execute only, or everything).
     */
    private void protect(long start, long end, boolean on) {
        if (pageSet) {
            engine.writeProtect(start, end - start, on);
        } else {
            engine.protect(start, end - start, on ? PROTECTED : Perm.ALL);
        }
    }

    // ---- services writing or freeing firmware memory ---------------------------------------------------------

    /**
     * A host write during a service call that lands exactly on one of the call's raw arguments is the service writing
     * an OUT parameter through a guest pointer; into firmware-owned memory it is a {@code FIRMWARE_MEMORY_CORRUPTED}
     * finding naming the call. The firmware's own bookkeeping writes (its structures, pool heads) never start at an
     * argument the guest passed.
     */
    private void hostWrote(long address, int length) {
        org.efiemu.uefi.boot.ServiceCall call = current;
        if (call == null || closed) {
            return;
        }
        // the first six raw arguments: every Boot/Runtime Service with an OUT pointer has it among them
        for (int i = 0; i < 6; i++) {
            if (call.arg(i) == address) {
                serviceFinding(call, address, address + Math.max(length, 1), "writes an OUT parameter through argument " + (i + 1));
                return;
            }
        }
    }

    /** FreePages of pages the firmware owns (its structures, its code and data): the pages are freed as EDK2 does. */
    private void freeing(org.efiemu.uefi.boot.ServiceCall call) {
        long base = call.arg(0);
        long pages = call.arg(1);
        if ((base & (PAGE - 1)) != 0 || pages <= 0 || pages > (1L << 32)) {
            return; // the service rejects it itself
        }
        long end = base + pages * PAGE;
        if (Long.compareUnsigned(end, base) <= 0) {
            return;
        }
        serviceFinding(call, base, end, "frees firmware-owned pages");
    }

    private void serviceFinding(org.efiemu.uefi.boot.ServiceCall call, long start, long end, String what) {
        long afterCall = machine.trace().nextSequence();
        for (long a = start; Long.compareUnsigned(a, end) < 0; a = (a & -PAGE) + PAGE) {
            long pieceEnd = Math.min(end, (a & -PAGE) + PAGE);
            WritePolicy.Verdict v = policy.classify(a);
            if (v.kind() != FindingKind.FIRMWARE_CORRUPTION) {
                continue;
            }
            String owner = v.owner() + "; " + call.service() + " from " + callerText(call) + " " + what;
            FindingLog.Key key = new FindingLog.Key(FindingKind.FIRMWARE_MEMORY_CORRUPTED, v.ownerType(), owner,
                    call.callerRip(), policy.afterExitBootServices());
            if (log.add(key, a, pieceEnd, afterCall)) {
                listener.onFinding(new SanitizerFinding(FindingKind.FIRMWARE_MEMORY_CORRUPTED, call.callerRip(), a,
                        pieceEnd - a, v.ownerType(), owner, policy.afterExitBootServices(), afterCall, 1));
            }
        }
    }

    private String callerText(org.efiemu.uefi.boot.ServiceCall call) {
        return machine.images().describe(call.callerRip());
    }

    // ---- faults and watched pages ------------------------------------------------------------------------------

    private boolean onProtectionFault(MemAccess access, long address, int size, long value) {
        if (access != MemAccess.WRITE_PROT) {
            return false;
        }
        long end = address + Math.max(size, 1);
        boolean ours = false;
        for (long p = address & -PAGE; p < end; p += PAGE) {
            if (!protections.isProtected(p)) {
                continue;
            }
            ours = true;
            faults++;
            record(Math.max(address, p), Math.min(end, p + PAGE));
            protections.faulted(p);
        }
        return ours;
    }

    /**
     * A store to a write-protected page with watched pages kept protected ({@link #storesInFault}): recorded as the
     * write hook and the first fault record it. Unicorn 2.0.1's {@code store_helper} calls the write hooks of the
     * store's first byte once (skipping them for the bytes of its byte-by-byte loop), then the protection hooks of
     * that byte's page; an unaligned or page-crossing store then goes byte by byte, each byte on a protected page
     * raising the protection hook again. So: the store's own call on a watched page is what a bounded write hook saw
     * (the whole store, both pages' parts); on a page protected and not watched it is a first fault; a byte of the
     * loop on a watched page is what the write hook never saw (nothing recorded), on a page protected and not watched a
     * first fault of one byte (as the loop's byte raised it). The store lands either way (the engine writes it while
     * the page stays protected).
     */
    private boolean onProtectedStore(long address, int size, long value, boolean nested) {
        if (protections.isWatched(address & -PAGE)) {
            if (!nested) {
                onWatchedWrite(address, size);
            }
            return true;
        }
        return onProtectionFault(MemAccess.WRITE_PROT, address, size, value);
    }

    private void onWatchedWrite(long address, int size) {
        record(address, address + Math.max(size, 1));
    }

    private void record(long start, long end) {
        long rip = engine.reg(X86Reg.RIP);
        long afterCall = machine.trace().nextSequence() - 1;
        for (long a = start; a < end; a = (a & -PAGE) + PAGE) {
            long pieceEnd = Math.min(end, (a & -PAGE) + PAGE);
            WritePolicy.Verdict v = policy.classify(a);
            if (!v.flagged()) {
                continue;
            }
            FindingLog.Key key = new FindingLog.Key(v.kind(), v.ownerType(), v.owner(), rip, policy.afterExitBootServices());
            if (log.add(key, a, pieceEnd, afterCall)) {
                listener.onFinding(new SanitizerFinding(v.kind(), rip, a, pieceEnd - a, v.ownerType(), v.owner(),
                        policy.afterExitBootServices(), afterCall, 1));
            }
        }
    }

    /** Replaces the hooks inside {@code run} with one bounded write hook over it. */
    private void rehook(Range<Long> run) {
        closeHooks(run);
        Hook h = engine.addMemoryHook(UnicornLib.UC_HOOK_MEM_WRITE, run.lowerEndpoint(), run.upperEndpoint() - 1,
                (type, address, size, value) -> onWatchedWrite(address, size));
        watchHooks.put(run, h);
    }

    private void closeHooks(Range<Long> run) {
        RangeMap<Long, Hook> inside = watchHooks.subRangeMap(run);
        for (Hook h : List.copyOf(inside.asMapOfRanges().values())) {
            h.close();
        }
        watchHooks.remove(run);
    }

    private static long pageUp(long a) {
        return (a + PAGE - 1) & -PAGE;
    }

    /**
     * Stops watching: hooks and listeners removed, protections lifted. Closing the machine first is allowed and
     * cheaper when it is discarded anyway: a closed engine has no protections left to lift.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        machine.trace().removeListener(traceListener);
        physical.removeHostWriteListener(hostWriteListener);
        machine.services().removeInterceptor("*", callWatch);
        physical.removeChunkListener(chunkListener);
        machine.memoryMap().removeListener(ownershipListener);
        for (Hook h : List.copyOf(watchHooks.asMapOfRanges().values())) {
            h.close();
        }
        watchHooks.clear();
        faultHook.close();
        if (earlyWriteHook != null) {
            earlyWriteHook.close();
        }
        if (engine.isOpen()) {
            for (long[] r : protections.protectedRuns()) {
                protect(r[0], r[1], false);
            }
            if (storesInFault) {
                for (long[] r : protections.watchedRuns()) {
                    protect(r[0], r[1], false);
                }
            }
        }
        protections.clearProtected();
    }
}
