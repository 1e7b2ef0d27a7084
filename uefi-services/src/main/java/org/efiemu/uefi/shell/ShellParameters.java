package org.efiemu.uefi.shell;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.List;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.protocol.ConsoleListener;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * {@code EFI_SHELL_PARAMETERS_PROTOCOL} (UEFI Shell Specification 2.2 §2.5), as the UEFI Shell installs it on the
 * handle of every image it starts (EDK2 {@code ShellPkg}, {@code CreatePopulateInstallShellParametersProtocol}):
 * {@code Argv}/{@code Argc} from the command line the Shell also passes as LoadOptions, split by
 * {@link ShellCommandLine}, and {@code StdIn}/{@code StdOut}/{@code StdErr} console file handles. Loaders read it to
 * tell a Shell start from a boot-manager start: systemd-stub then takes {@code Argv[1..]} joined by blanks as the
 * kernel command line (its own path, {@code Argv[0]}, left out). Layout: {@code CHAR16 **Argv; UINTN Argc;
 * SHELL_FILE_HANDLE StdIn, StdOut, StdErr}; a handle is an {@code EFI_FILE_PROTOCOL} (revision 1) whose Write on
 * StdOut/StdErr goes to ConOut/StdErr as the Shell's {@code FileInterfaceStdOutWrite} does; Close, Delete and Flush
 * succeed; Open is EFI_NOT_FOUND; position and info are EFI_UNSUPPORTED. Read on StdIn is the Shell's console line
 * editor ({@code FileInterfaceStdInRead}, {@link ShellLineEditor}): it waits for ConIn's keys (the scripted keys of
 * {@code --keys}, virtual time jumping to each as WaitForEvent on WaitForKey does), echoes them to ConOut and returns
 * the line typed up to Enter (UCS-2, without terminator; {@code *BufferSize} its bytes); a buffer smaller than two
 * CHAR16 is EFI_BUFFER_TOO_SMALL with the size needed; with no key to come the run stops as a wait forever does.
 * Read on StdOut/StdErr is EFI_UNSUPPORTED.
 */
public final class ShellParameters {
    /** EFI_SHELL_PARAMETERS_PROTOCOL: Argv, Argc, StdIn, StdOut, StdErr. */
    public static final int SIZE = 40;
    /** EFI_FILE_PROTOCOL revision 1: Revision and ten functions. */
    private static final int FILE_SIZE = 88;
    private static final long FILE_REVISION = 0x0001_0000L;

    private final GuestMemory memory;
    private final ConsoleListener console;
    private final long address;
    private final List<String> argv;
    private final long stdIn;
    private final long stdOut;
    private final long stdErr;
    private final StdInKeys keys;
    /** The characters a line may have on the console, as the Shell's MaxStr: columns x (rows - 1) (80 x 25). */
    private static final int SCREEN_CHARS = 80 * 24;

    /**
     * Where StdIn's keys come from: the console's next key, waiting for it in virtual time (null when none can ever
     * come: the run stops).
     */
    @FunctionalInterface
    public interface StdInKeys {
        org.efiemu.uefi.protocol.KeyScript.Key next(ServiceCall call);
    }

    /**
     * Writes the protocol and its strings into memory from {@code allocate} (EfiBootServicesData pool, as the Shell's)
     * and registers the file handles' functions.
     */
    public ShellParameters(String commandLine, GuestMemory memory, LongUnaryOperator allocate,
            ServiceDispatcher dispatcher, ConsoleListener console) {
        this(commandLine, memory, allocate, dispatcher, console, null);
    }

    /** As above, with StdIn's Read reading the console's keys ({@code keys}; null: EFI_UNSUPPORTED). */
    public ShellParameters(String commandLine, GuestMemory memory, LongUnaryOperator allocate,
            ServiceDispatcher dispatcher, ConsoleListener console, StdInKeys keys) {
        this.keys = keys;
        this.memory = memory;
        this.console = console;
        this.argv = List.copyOf(ShellCommandLine.split(commandLine));
        address = allocate.applyAsLong(SIZE);
        long array = allocate.applyAsLong(8L * (argv.size() + 1));
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            long s = allocate.applyAsLong(2L * (a.length() + 1));
            memory.putUtf16z(s, a);
            memory.putU64(array + 8L * i, s);
        }
        memory.putU64(array + 8L * argv.size(), 0);
        long[] fns = {
            dispatcher.registerBootTime("ShellFile.Open", 5, c -> fixed(c, EfiStatus.NOT_FOUND)),
            dispatcher.registerBootTime("ShellFile.Close", 1, c -> fixed(c, EfiStatus.SUCCESS)),
            dispatcher.registerBootTime("ShellFile.Delete", 1, c -> fixed(c, EfiStatus.SUCCESS)),
            keys == null ? dispatcher.registerBootTime("ShellFile.Read", 3, c -> fixed(c, EfiStatus.UNSUPPORTED))
                    : dispatcher.registerBootTimeCallingGuest("ShellFile.Read", 3, this::read),
            dispatcher.registerBootTime("ShellFile.Write", 3, this::write),
            dispatcher.registerBootTime("ShellFile.GetPosition", 2, c -> fixed(c, EfiStatus.UNSUPPORTED)),
            dispatcher.registerBootTime("ShellFile.SetPosition", 2, c -> fixed(c, EfiStatus.UNSUPPORTED)),
            dispatcher.registerBootTime("ShellFile.GetInfo", 4, c -> fixed(c, EfiStatus.UNSUPPORTED)),
            dispatcher.registerBootTime("ShellFile.SetInfo", 4, c -> fixed(c, EfiStatus.UNSUPPORTED)),
            dispatcher.registerBootTime("ShellFile.Flush", 1, c -> fixed(c, EfiStatus.SUCCESS)),
        };
        stdIn = file(allocate, fns);
        stdOut = file(allocate, fns);
        stdErr = file(allocate, fns);
        memory.putU64(address, array);
        memory.putU64(address + 8, argv.size());
        memory.putU64(address + 16, stdIn);
        memory.putU64(address + 24, stdOut);
        memory.putU64(address + 32, stdErr);
    }

    private long file(LongUnaryOperator allocate, long[] fns) {
        long f = allocate.applyAsLong(FILE_SIZE);
        memory.putU64(f, FILE_REVISION);
        for (int i = 0; i < fns.length; i++) {
            memory.putU64(f + 8 + 8L * i, fns[i]);
        }
        return f;
    }

    /** The protocol interface's address (install it on the image handle). */
    public long address() {
        return address;
    }

    /** {@code Argv} as the guest sees it. */
    public List<String> argv() {
        return argv;
    }

    private String name(long handle) {
        return handle == stdIn ? "StdIn" : handle == stdOut ? "StdOut" : handle == stdErr ? "StdErr" : hex(handle);
    }

    private EfiStatus fixed(ServiceCall c, EfiStatus status) {
        c.arguments(name(c.arg(0)));
        return status;
    }

    /**
     * {@code Read(This, *BufferSize, Buffer)} on StdIn: the Shell's line editor over ConIn (waits for keys, echoes them,
     * ends at Enter); EFI_UNSUPPORTED on StdOut/StdErr.
     */
    private EfiStatus read(ServiceCall c) {
        long self = c.arg(0);
        long sizePtr = c.arg(1);
        long buffer = c.arg(2);
        c.arguments(name(self), ptr(sizePtr), ptr(buffer));
        if (self != stdIn) {
            return self == stdOut || self == stdErr ? EfiStatus.UNSUPPORTED : EfiStatus.INVALID_PARAMETER;
        }
        if (!c.isRam("BufferSize", sizePtr, 8, ServiceCall.Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long size = memory.u64(sizePtr);
        if (size < 4) {
            memory.putU64(sizePtr, 4);
            c.output("BufferSize=4 needed");
            return EfiStatus.BUFFER_TOO_SMALL;
        }
        int maxChars = (int) Math.min(SCREEN_CHARS, size / 2);
        if (!c.isRam(buffer, 2L * maxChars)) {
            c.output("Buffer " + hex(buffer) + " is not " + 2L * maxChars + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        memory.write(buffer, new byte[2 * maxChars]);
        ShellLineEditor editor = new ShellLineEditor(maxChars);
        while (!editor.done()) {
            org.efiemu.uefi.protocol.KeyScript.Key k = keys.next(c);
            if (k == null) {
                c.output("no key can come: the Shell would wait forever");
                return EfiStatus.NOT_READY;
            }
            editor.key(k.scanCode(), k.unicodeChar());
            if (!editor.echo().isEmpty()) {
                console.text(ConsoleListener.Source.CON_OUT, editor.echo());
            }
        }
        String line = editor.line();
        memory.putUtf16z(buffer, line);
        memory.putU64(sizePtr, 2L * line.length());
        c.output("line \"" + line + "\"");
        return EfiStatus.SUCCESS;
    }

    /** {@code Write(This, *BufferSize, Buffer)}: UCS-2 text to ConOut (StdOut) or StdErr; StdIn refuses. */
    private EfiStatus write(ServiceCall c) {
        long self = c.arg(0);
        long sizePtr = c.arg(1);
        long buffer = c.arg(2);
        c.arguments(name(self), ptr(sizePtr), ptr(buffer));
        if (self != stdOut && self != stdErr) {
            return self == stdIn ? EfiStatus.UNSUPPORTED : EfiStatus.INVALID_PARAMETER;
        }
        if (!c.isRam("BufferSize", sizePtr, 8, ServiceCall.Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long size = memory.u64(sizePtr);
        if (size > (1 << 20) || (size > 0 && !c.isRam(buffer, size))) {
            c.output("Buffer " + hex(buffer) + " is not " + size + " bytes of RAM");
            return EfiStatus.INVALID_PARAMETER;
        }
        byte[] raw = memory.read(buffer, (int) size);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i + 1 < raw.length; i += 2) {
            char ch = (char) ((raw[i] & 0xFF) | (raw[i + 1] & 0xFF) << 8);
            if (ch == 0) {
                break;
            }
            text.append(ch);
        }
        console.text(self == stdOut ? ConsoleListener.Source.CON_OUT : ConsoleListener.Source.STD_ERR, text.toString());
        c.output(text.length() + " characters");
        return EfiStatus.SUCCESS;
    }
}
