package org.efiemu.uefi.boot;

/** The timer tick's section of docs/services.md (appended by {@link ServicesDoc}): how timers fire on virtual time. */
public final class TimerTickDoc {
    private TimerTickDoc() {
    }

    /** The Markdown section, ending with a blank line. */
    public static String render() {
        return ""
            + "## Timer tick (UEFI 2.10 §7.1.5, §7.1.8; EDK2 `CoreTimerTick`)\n"
            + "\n"
            + "Real firmware signals timers from its periodic timer interrupt (OVMF: every 10 ms, `DEFAULT_TIMER_TICK_DURATION`\n"
            + "100000 of its timer driver), whatever the application does. efiemu does the same on virtual time (`TimerTick`, an\n"
            + "`InterruptSource` of the machine):\n"
            + "\n"
            + "* Ticks lie on the 10 ms grid of virtual time; only a tick at which the earliest armed timer is due is taken (an empty\n"
            + "  tick changes nothing an application can see). The block counter stops the run at the first translated-block\n"
            + "  boundary at or after that tick (one comparison per block in C; cycles from host calls, RDTSC reads and Stall move\n"
            + "  the point as they are added), so RIP and the instruction count are exact there and the same on every run.\n"
            + "* The tick is taken when RFLAGS.IF is set, the TPL is below TPL_HIGH_LEVEL (EDK2 disables interrupts there) and\n"
            + "  ExitBootServices has not succeeded (EDK2 stops the timer). The CPU context (all registers, flags, FPU/SSE state) is\n"
            + "  saved, the `TimerInterrupt` service runs on the guest's stack below a 128-byte red zone (its trace line shows the\n"
            + "  interrupted RIP and the notifications it ran), the timers due are signalled (`CoreCheckTimers` at\n"
            + "  TPL_HIGH_LEVEL - 1) and notifications with a TPL above the interrupted one run, highest first; the others stay\n"
            + "  pending until RestoreTPL lowers the TPL. The context is restored before the next block and the guest goes on where\n"
            + "  it was. Ticks nest: a TPL_NOTIFY notification interrupts a TPL_CALLBACK notification that spins, as on OVMF. A tick\n"
            + "  may land inside a notification or a child image started by StartImage (a service waiting on its continuation).\n"
            + "* A masked tick is lost; the next is one period later (with `cli`, the tick OVMF would deliver right after `sti`\n"
            + "  comes at the next 10 ms tick here; after RaiseTPL(TPL_HIGH_LEVEL)/RestoreTPL, at the next tick or service).\n"
            + "* `sti; hlt` with a timer armed jumps virtual time to that timer's trigger time (not to the grid) and takes the tick.\n"
            + "* A run that ends on its instruction budget or wall-clock limit with a notification held by the TPL, or with ticks\n"
            + "  masked while interrupts are off, says so in its stop report (`... a TPL_CALLBACK notification pending while the\n"
            + "  current TPL is TPL_NOTIFY ...`, `... N timer ticks masked with RFLAGS.IF clear ...`).\n"
            + "* With `--counting per-instruction` (or a machine without the JNI shim) no asynchronous stop exists: timers fire at\n"
            + "  event services, Stall and HLT only, as before.\n"
            + "* Not as OVMF: EDK2's system time (`mEfiSystemTime`) advances by whole ticks, so on OVMF SetTimer(TimerRelative, T)\n"
            + "  fires at the first tick at or after the last tick + T, between T - 10 ms and T after the call; efiemu's system\n"
            + "  time is the virtual clock itself, so the timer fires at the first tick at or after the call + T, between T and\n"
            + "  T + 10 ms after it (a HLT wakes exactly at the call + T). Timers set at different moments between two ticks\n"
            + "  share a trigger time on OVMF and not here (they still fire at the same tick unless a grid point lies between).\n"
            + "  `TimerTickOvmfLiveTest` runs the `timer-tick` payload on QEMU + OVMF and on efiemu and compares its lines\n"
            + "  (spins ending on a periodic notification, a one-shot timer, TPL order at one tick: the same).\n"
            + "* Open: a TPL_CALLBACK timer notification that spins until a TPL_NOTIFY timer notification sets a flag ends on\n"
            + "  efiemu (the later tick nests and runs the TPL_NOTIFY one, as EDK2's `CoreRestoreTpl`/`CoreTimerTick` read) but\n"
            + "  did not end on QEMU 7.2 + Debian's OVMF 2022.11 when tried (`timer-tick` case `tpl-nested`); why is not known.\n"
            + "\n";
    }
}
