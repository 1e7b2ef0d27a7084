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
            + "`InterruptSource` of the machine), matched line by line against QEMU 7.2 + OVMF 2022.11 (`TimerTickOvmfLiveTest`,\n"
            + "`TimerCornersOvmfLiveTest`; numbers in docs/performance.md, \"Timer corners as OVMF\"):\n"
            + "\n"
            + "* **System time as EDK2's.** Timers count on `mEfiSystemTime` (`SystemTime`), which only the tick moves: each tick\n"
            + "  the CPU takes adds 10 ms. SetTimer's trigger time is `mEfiSystemTime + TriggerTime`, so a relative timer set\n"
            + "  between two ticks counts from the last tick and fires at the first tick at or after it: between T - 10 ms and T\n"
            + "  after the call (100 ns and 10 ms fire at the next tick, 20 ms at the second, 25 ms at the third when set half a\n"
            + "  tick after one: the `phase` case, as on OVMF). WaitForEvent and `sti; hlt` jump virtual time to the tick at which\n"
            + "  the timer is due. Stall busy-waits with interrupts as the caller left them, as OVMF's does: a tick inside it is\n"
            + "  taken at its own virtual time (virtual time moves to each tick at which a timer is due, its notifications run\n"
            + "  there and read that time; `stall-ticks`), then on to the Stall's end.\n"
            + "* **Every tick is a stop.** Ticks lie on the 10 ms grid of virtual time and the machine stops at each one while Boot\n"
            + "  Services run, in every counting mode: counting by block at the first block boundary at or after it (one comparison\n"
            + "  per block in C), per instruction before the first instruction at or after it (the counter's limit), with\n"
            + "  instructions uncounted at the block after the service call or RDTSC read that reached it. A tick at which no timer\n"
            + "  is due only moves `mEfiSystemTime`; one with a timer due saves the CPU context, runs the `TimerInterrupt` service on\n"
            + "  the guest's stack below a 128-byte red zone (its trace line shows the interrupted RIP, the notifications it ran and\n"
            + "  `mEfiSystemTime`), signals the timers due (`CoreCheckTimers` at TPL_HIGH_LEVEL - 1) and runs notifications above the\n"
            + "  interrupted TPL, highest first; the context comes back before the guest goes on.\n"
            + "* **Interrupt flag as EDK2's.** RaiseTPL(TPL_HIGH_LEVEL) clears RFLAGS.IF (`CoreRaiseTpl` → `CoreSetInterruptState\n"
            + "  (FALSE)`); RestoreTPL to a TPL below it sets IF before its notifications run, even after the caller's own `cli`;\n"
            + "  every service that takes a lock returns with IF set when the TPL is below TPL_HIGH_LEVEL, as EDK2's lock release\n"
            + "  (`CoreReleaseLock` → `CoreRestoreTpl` → STI) and OVMF's drivers (`gBS->RestoreTPL`) do, even after the caller's\n"
            + "  own `cli`; one rule per slot in `ServiceBindings` (`LockRelease`), measured on OVMF 2022.11 for ~55 calls\n"
            + "  (`if-services`): " + ServiceLocksDoc.render() + "\n"
            + "  Of the protocols, ConOut/StdErr OutputString and ConIn ReadKeyStroke(Ex) set IF (measured); the other protocol\n"
            + "  functions leave it (not measured). ExitBootServices clears IF when it succeeds (`gCpu->DisableInterrupt`).\n"
            + "* **Masked ticks as the APIC.** A tick with IF clear stays pending (once; the others are lost, so `mEfiSystemTime`\n"
            + "  falls behind virtual time) and is taken when interrupts come back: at RestoreTPL below TPL_HIGH_LEVEL or an event\n"
            + "  service (`pending timer tick taken` in its trace line; its timers fire there), on return from any other service\n"
            + "  that takes a lock (before the caller's next instruction: `if-tick`), or after the guest's own `sti` and its\n"
            + "  one-instruction shadow: per instruction exactly (a native hook reads RFLAGS.IF before each instruction while a\n"
            + "  tick is pending, `sti-shadow`), counting by block too (the block hook reads RFLAGS.IF at each block start while a\n"
            + "  tick is pending; Unicorn ends the block after STI and makes the shadow a block of its own). After `popf`/`iretq`\n"
            + "  (no shadow) one instruction late, counting by block one block late. With\n"
            + "  instructions uncounted the guest's own `sti` is not watched: the pending tick comes at the next grid point with\n"
            + "  IF set. The TPL itself does not mask: a tick at TPL_HIGH_LEVEL\n"
            + "  with IF set (the guest's `sti`) is taken and its timer check waits for RestoreTPL, as in EDK2.\n"
            + "* **No nested tick.** While a tick's handler runs (its notifications included) no other tick is taken; one stays\n"
            + "  pending and comes when the handler returns (OVMF 2022.11 measured: a TPL_CALLBACK notification that waits for a\n"
            + "  TPL_NOTIFY timer due two ticks later sees it only after it returns, `nested-tick` prints `order CcD` on both; the\n"
            + "  unbounded `tpl-nested` wait never ends, on both). Notifications signalled inside a tick's notification run by TPL\n"
            + "  (`nested-signal`: `order OorHxHyL` on both).\n"
            + "* A run that ends on its instruction budget or wall-clock limit with a notification held by the TPL, or with ticks\n"
            + "  masked while interrupts are off, says so in its stop report (`... a TPL_CALLBACK notification pending while the\n"
            + "  current TPL is TPL_NOTIFY ...`, `... N timer ticks masked with RFLAGS.IF clear ...`).\n"
            + "\n";
    }
}
