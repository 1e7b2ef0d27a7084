package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongUnaryOperator;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.core.memory.PhysicalLayout;
import org.efiemu.core.engine.Hooks;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.spec.EfiException;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * {@code EFI_GRAPHICS_OUTPUT_PROTOCOL} (UEFI 2.10 §12.9): QueryMode, SetMode and Blt over a linear framebuffer in a
 * device range of the machine (a PCI BAR, not in the UEFI memory map, as on OVMF), with the
 * {@code EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE} and its {@code EFI_GRAPHICS_OUTPUT_MODE_INFORMATION} in guest memory.
 * Modes are 32-bit {@code PixelBlueGreenRedReserved8BitPerColor} with PixelsPerScanLine = HorizontalResolution (EDK2
 * {@code OvmfPkg/QemuVideoDxe}); the framebuffer's bytes live in host pages made on first write (unwritten = black).
 */
public final class GraphicsOutput {
    /** Bytes of the protocol structure: QueryMode, SetMode, Blt, Mode. */
    public static final int SIZE = 32;
    /** Bytes of {@code EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE}. */
    public static final int MODE_SIZE = 40;
    /** Bytes of {@code EFI_GRAPHICS_OUTPUT_MODE_INFORMATION} (the SizeOfInfo QueryMode reports). */
    public static final int INFO_SIZE = 36;
    /** {@code PixelBlueGreenRedReserved8BitPerColor}. */
    public static final int PIXEL_BGRR_8BPC = 1;
    /** Name of the machine's device range holding the framebuffer. */
    public static final String DEVICE = "framebuffer";
    private static final int PAGE = 4096;

    /** One graphics mode: resolution (32 bits per pixel, scan line = width). */
    public record Mode(int width, int height) {
        public Mode {
            if (width < 1 || height < 1) {
                throw new IllegalArgumentException("graphics mode " + width + "x" + height + ": expected positive sizes");
            }
        }

        long bytes() {
            return 4L * width * height;
        }

        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /**
     * A display adapter as the firmware's video driver offers it.
     *
     * @param modes the modes in QueryMode order
     * @param initialMode the mode the boot manager left set when the application starts
     * @param frameBufferBase physical address of the framebuffer (the adapter's memory BAR)
     * @param memoryBytes the adapter's memory; a mode needing more is not offered
     */
    public record Display(List<Mode> modes, int initialMode, long frameBufferBase, long memoryBytes) {
        public Display {
            modes = List.copyOf(modes);
            if (modes.isEmpty() || initialMode < 0 || initialMode >= modes.size()) {
                throw new IllegalArgumentException("display: initial mode " + initialMode + " of " + modes.size()
                        + " modes: expected a mode number below the mode count");
            }
            if ((frameBufferBase & (PAGE - 1)) != 0 || memoryBytes <= 0 || (memoryBytes & (PAGE - 1)) != 0) {
                throw new IllegalArgumentException(String.format("display: framebuffer 0x%X + 0x%X: expected a "
                        + "page-aligned base and a positive page-multiple size", frameBufferBase, memoryBytes));
            }
            for (Mode m : modes) {
                if (m.bytes() > memoryBytes) {
                    throw new IllegalArgumentException(String.format("display: mode %s needs 0x%X bytes, more than the "
                            + "adapter's 0x%X", m, m.bytes(), memoryBytes));
                }
            }
        }

        /**
         * QEMU's stdvga (16 MiB) under OVMF 2022.11 QemuVideoDxe on q35 with 2 GiB, as real OVMF reports it at BDS
         * start ({@code src/test/resources/xen/ovmf-q35-2g.gop.txt}): 30 modes, mode 0 = 1280x800 set (PcdVideo*
         * Resolution), FrameBufferBase 0xC0000000 (BAR 0 in the 32-bit PCI window above MMCONFIG).
         */
        public static Display ovmfStdVga() {
            int[][] wh = {{1280, 800}, {640, 480}, {800, 480}, {800, 600}, {832, 624}, {960, 640}, {1024, 600},
                {1024, 768}, {1152, 864}, {1152, 870}, {1280, 720}, {1280, 760}, {1280, 768}, {1280, 960},
                {1280, 1024}, {1360, 768}, {1366, 768}, {1400, 1050}, {1440, 900}, {1600, 900}, {1600, 1200},
                {1680, 1050}, {1920, 1080}, {1920, 1200}, {1920, 1440}, {2000, 2000}, {2048, 1536}, {2048, 2048},
                {2560, 1440}, {2560, 1600}};
            List<Mode> modes = java.util.Arrays.stream(wh).map(a -> new Mode(a[0], a[1])).toList();
            return new Display(modes, 0, 0xC0000000L, 16L << 20);
        }
    }

    private final Display display;
    private final GuestMemory memory;
    private final LongUnaryOperator pool;
    private final long address;
    private final long mode;
    private final long info;
    private final Map<Long, byte[]> pages = new HashMap<>();
    private final Framebuffer fb = new Framebuffer();
    private int current;

    /**
     * Builds the protocol in {@code arena} and registers {@code GOP.QueryMode}, {@code GOP.SetMode}, {@code GOP.Blt}.
     *
     * @param pool AllocatePool(EfiBootServicesData) for the Info buffers QueryMode returns (the caller frees them)
     */
    public GraphicsOutput(Display display, GuestMemory memory, FirmwareArena.Region arena, ServiceDispatcher dispatcher,
            LongUnaryOperator pool) {
        this.display = Objects.requireNonNull(display, "display");
        this.memory = memory;
        this.pool = pool;
        address = arena.take("EFI_GRAPHICS_OUTPUT_PROTOCOL", SIZE, 16);
        mode = arena.take("EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE", MODE_SIZE, 8);
        info = arena.take("EFI_GRAPHICS_OUTPUT_MODE_INFORMATION (current mode)", INFO_SIZE, 8);
        memory.putU64(address, dispatcher.registerBootTime("GOP.QueryMode", 4, this::queryMode));
        memory.putU64(address + 8, dispatcher.registerBootTime("GOP.SetMode", 2, this::setMode));
        memory.putU64(address + 16, dispatcher.registerBootTime("GOP.Blt", 10, this::blt));
        memory.putU64(address + 24, mode);
        memory.putU32(mode, display.modes().size());
        memory.putU64(mode + 8, info);
        memory.putU64(mode + 16, INFO_SIZE);
        memory.putU64(mode + 24, display.frameBufferBase());
        select(display.initialMode());
    }

    /**
     * {@code layout} plus the display's framebuffer as the device range {@link #DEVICE} (memory outside the UEFI map,
     * as a PCI BAR is).
     *
     * @throws IllegalArgumentException when the framebuffer overlaps RAM or another device (names both)
     */
    public static PhysicalLayout withFramebuffer(PhysicalLayout layout, Display display) {
        PhysicalLayout.Builder b = PhysicalLayout.builder();
        for (PhysicalLayout.Region r : layout.regions()) {
            if (r.kind() == PhysicalLayout.Kind.RAM) {
                b.ram(r.base(), r.size());
            } else {
                b.device(r.name(), r.base(), r.size());
            }
        }
        return b.device(DEVICE, display.frameBufferBase(), display.memoryBytes()).build();
    }

    /** The protocol interface's guest address. */
    public long address() {
        return address;
    }

    /** The Mode structure's guest address. */
    public long modeAddress() {
        return mode;
    }

    public Display display() {
        return display;
    }

    /** The mode set now. */
    public Mode currentMode() {
        return display.modes().get(current);
    }

    /** The framebuffer's memory as the machine's {@link #DEVICE} range serves it (guest loads and stores). */
    public Hooks.MmioHandler framebuffer() {
        return fb;
    }

    /** Little-endian bytes of the framebuffer, in host pages made on first non-zero write. */
    private final class Framebuffer implements Hooks.MmioHandler {
        @Override
        public long read(long offset, int size) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                v = (v << 8) | (readByte(offset + i) & 0xFF);
            }
            return v;
        }

        @Override
        public void write(long offset, int size, long value) {
            for (int i = 0; i < size; i++) {
                writeByte(offset + i, (byte) (value >>> (8 * i)));
            }
        }
    }

    /** The 32-bit pixel (0x00RRGGBB as stored: blue, green, red, reserved bytes) at {@code x, y} of the current mode. */
    public int pixel(int x, int y) {
        Mode m = currentMode();
        if (x < 0 || y < 0 || x >= m.width() || y >= m.height()) {
            throw new IllegalArgumentException("pixel (" + x + ", " + y + ") is outside mode " + m);
        }
        return (int) fb.read(4L * ((long) y * m.width() + x), 4);
    }

    private byte readByte(long offset) {
        byte[] p = pages.get(offset / PAGE);
        return p == null ? 0 : p[(int) (offset % PAGE)];
    }

    private void writeByte(long offset, byte b) {
        if (offset < 0 || offset >= display.memoryBytes()) {
            return;
        }
        byte[] p = pages.get(offset / PAGE);
        if (p == null) {
            if (b == 0) {
                return;
            }
            p = new byte[PAGE];
            pages.put(offset / PAGE, p);
        }
        p[(int) (offset % PAGE)] = b;
    }

    private void writeInfo(long at, Mode m) {
        memory.putU32(at, 0);                     // Version
        memory.putU32(at + 4, m.width());
        memory.putU32(at + 8, m.height());
        memory.putU32(at + 12, PIXEL_BGRR_8BPC);
        memory.fill(at + 16, 16, (byte) 0);       // PixelInformation (bit masks: only for PixelBitMask)
        memory.putU32(at + 32, m.width());        // PixelsPerScanLine
    }

    private void select(int number) {
        Mode m = display.modes().get(number);
        current = number;
        memory.putU32(mode + 4, number);
        writeInfo(info, m);
        memory.putU64(mode + 32, m.bytes());       // FrameBufferSize of the mode (QemuVideoDxe)
        pages.clear();                             // SetMode clears the screen to black
    }

    /** {@code QueryMode(This, ModeNumber, *SizeOfInfo, **Info)}: Info is a new pool buffer the caller frees. */
    private EfiStatus queryMode(ServiceCall c) {
        long number = c.arg(1);
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(number), ptr(c.arg(2)), ptr(c.arg(3)));
        if (c.arg(0) != address || !c.isRam("SizeOfInfo", c.arg(2), 8, ServiceCall.Align.UINT64)
                || !c.isRam("Info", c.arg(3), 8, ServiceCall.Align.UINT64)
                || Long.compareUnsigned(number, display.modes().size()) >= 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long buffer;
        try {
            buffer = pool.applyAsLong(INFO_SIZE);
        } catch (EfiException e) {
            return e.status();
        }
        Mode m = display.modes().get((int) number);
        writeInfo(buffer, m);
        memory.putU64(c.arg(2), INFO_SIZE);
        memory.putU64(c.arg(3), buffer);
        c.output(m + " PixelBlueGreenRedReserved8BitPerColor at " + ptr(buffer));
        return EfiStatus.SUCCESS;
    }

    /** {@code SetMode(This, ModeNumber)}: a mode beyond MaxMode is EFI_UNSUPPORTED; the screen is cleared. */
    private EfiStatus setMode(ServiceCall c) {
        long number = c.arg(1);
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(number));
        if (Long.compareUnsigned(number, display.modes().size()) >= 0) {
            return EfiStatus.UNSUPPORTED;
        }
        select((int) number);
        c.output(display.modes().get((int) number) + String.format(", FrameBufferBase 0x%X", display.frameBufferBase()));
        return EfiStatus.SUCCESS;
    }

    private static final String[] BLT_OPERATIONS = {"EfiBltVideoFill", "EfiBltVideoToBltBuffer",
        "EfiBltBufferToVideo", "EfiBltVideoToVideo"};

    /**
     * {@code Blt(This, BltBuffer, BltOperation, SourceX, SourceY, DestinationX, DestinationY, Width, Height, Delta)}
     * with the checks of EDK2 {@code FrameBufferBltLib}: Width or Height 0, an unknown operation or a rectangle
     * outside the mode → EFI_INVALID_PARAMETER; Delta 0 means Width * 4.
     */
    private EfiStatus blt(ServiceCall c) {
        long buffer = c.arg(1);
        long op = c.arg(2);
        long sx = c.arg(3);
        long sy = c.arg(4);
        long dx = c.arg(5);
        long dy = c.arg(6);
        long w = c.arg(7);
        long h = c.arg(8);
        long delta = c.arg(9);
        c.arguments(ptr(c.arg(0)), ptr(buffer), op < BLT_OPERATIONS.length && op >= 0 ? BLT_OPERATIONS[(int) op]
                : Long.toUnsignedString(op), sx, sy, dx, dy, w, h, delta);
        Mode m = currentMode();
        if (op < 0 || op >= BLT_OPERATIONS.length || w == 0 || h == 0 || w > m.width() || h > m.height()) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long stride = delta == 0 ? w * 4 : delta;
        boolean readsVideo = op == 1 || op == 3;
        boolean writesVideo = op != 1;
        if (readsVideo && !inside(m, sx, sy, w, h) || writesVideo && !inside(m, dx, dy, w, h)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        boolean usesBuffer = op != 3;
        long bx = op == 1 ? dx : sx;
        long by = op == 1 ? dy : sy;
        boolean bufferOk = op == 0 ? c.isRam(buffer, 4)
                : !usesBuffer || c.isRam(buffer + by * stride + bx * 4, (h - 1) * stride + w * 4);
        if (!bufferOk) {
            return EfiStatus.INVALID_PARAMETER;
        }
        int[] row = new int[(int) w];
        for (long y = 0; y < h; y++) {
            long yy = op == 3 && dy > sy ? h - 1 - y : y;   // overlapping video-to-video copies go bottom-up
            for (int x = 0; x < w; x++) {
                row[x] = switch ((int) op) {
                    case 0 -> (int) memory.u32(buffer);
                    case 2 -> (int) memory.u32(buffer + (sy + yy) * stride + (sx + x) * 4);
                    default -> (int) fb.read(4 * ((sy + yy) * m.width() + sx + x), 4);
                };
            }
            for (int x = 0; x < w; x++) {
                if (op == 1) {
                    memory.putU32(buffer + (dy + yy) * stride + (dx + x) * 4, row[x]);
                } else {
                    fb.write(4 * ((dy + yy) * m.width() + dx + x), 4, Integer.toUnsignedLong(row[x]));
                }
            }
        }
        return EfiStatus.SUCCESS;
    }

    private static boolean inside(Mode m, long x, long y, long w, long h) {
        return x >= 0 && y >= 0 && x + w <= m.width() && y + h <= m.height();
    }
}
