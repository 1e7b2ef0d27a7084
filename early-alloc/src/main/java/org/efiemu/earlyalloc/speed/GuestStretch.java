package org.efiemu.earlyalloc.speed;

/**
 * One stretch of guest code between two firmware calls, as efiemu ran it: from the return of gate call {@code
 * startSequence} (RIP at that call's gate slot, whose {@code ret} goes back to the guest) to the entry of call {@code
 * startSequence + 1} (RIP at its gate slot, before its {@code ret} runs). Between the two no firmware service ran.
 *
 * @param startSequence the gate call whose return starts the stretch (the calls are numbered from 1 per machine)
 * @param after the firmware function returning at the start (e.g. {@code BS.AllocatePages})
 * @param before the firmware function called at the end
 * @param begin RIP at the start (the returning call's gate slot)
 * @param end RIP at the end (the called function's gate slot: where a raw engine's {@code uc_emu_start} stops)
 * @param instructions guest instructions efiemu counted in the stretch (exact, by translated block)
 * @param startInstructions the machine's instruction count at the start
 * @param cpuNanos CPU time of the emulating thread over the stretch
 * @param wallNanos wall time over the stretch
 * @param interrupts timer interrupts efiemu delivered inside the stretch (handlers that made no firmware call)
 * @param mappedBytes guest RAM efiemu mapped on first touch inside the stretch (a host callback each time)
 * @param discoveryStops new blocks checked inside the stretch to hook RDTSC/RDTSCP in new code (inside the run; a
 *     stop of the run loop only when that cannot be done)
 * @param rdtscReads RDTSC/RDTSCP the guest executed inside the stretch (each a hook reading efiemu's virtual clock; a
 *     raw engine reads the host's time-stamp counter there, so the guest may go another way)
 */
public record GuestStretch(long startSequence, String after, String before, long begin, long end, long instructions,
        long startInstructions, long cpuNanos, long wallNanos, long interrupts, long mappedBytes, long discoveryStops, long rdtscReads) {

    /** True when nothing inside the stretch came from efiemu's clock: no interrupt, no RDTSC/RDTSCP read. */
    public boolean clockFree() {
        return interrupts == 0 && rdtscReads == 0;
    }

    /** Guest instructions per second of the emulating thread's CPU time. */
    public double instructionsPerCpuSecond() {
        return cpuNanos <= 0 ? 0 : instructions * 1e9 / cpuNanos;
    }
}
