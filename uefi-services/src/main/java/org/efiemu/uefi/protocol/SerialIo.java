package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.hex;
import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.util.function.Consumer;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.spec.EfiStatus;

/**
 * {@code EFI_SERIAL_IO_PROTOCOL} (UEFI 2.10 §12.8) on COM1, as OVMF's {@code SerialDxe}/{@code PciSioSerialDxe}
 * presents it on PciRoot(0x0)/Pci(0x1F,0x0)/Acpi(PNP0501,0x0)/Uart(115200,8,N,1): Revision 0x00010000 and the
 * {@code SERIAL_IO_MODE} OVMF 2022.11 reports (org/efiemu/platform/captures/ovmf-q35-2g.firmware.txt: ControlMask
 * 0x73F3, Timeout 173, BaudRate 115200, ReceiveFifoDepth 16, DataBits 8, Parity 1 = NoParity, StopBits 1 = OneStopBit).
 * Write sends the bytes out of the machine's UART (they appear as SERIAL console output); Read has no input to give
 * (nothing is connected to the receive line) and answers EFI_TIMEOUT with *BufferSize 0; SetAttributes keeps the
 * values (0 = default) in the mode; SetControl/GetControl keep the writable control bits.
 */
public final class SerialIo {
    /** Revision, Reset, SetAttributes, SetControl, GetControl, Write, Read, Mode. */
    public static final int SIZE = 64;
    public static final int MODE_SIZE = 40;
    /** GetControl status bits: CLEAR_TO_SEND, DATA_SET_READY, INPUT_BUFFER_EMPTY, OUTPUT_BUFFER_EMPTY (UEFI 2.10 §12.8). */
    private static final int STATUS_BITS = 0x0010 | 0x0020 | 0x0100 | 0x0200;
    private static final int WRITABLE = 0x0001 | 0x0002 | 0x1000 | 0x2000 | 0x4000;

    private final GuestMemory memory;
    private final Consumer<byte[]> transmit;
    private final long address;
    private final long mode;
    private int control;

    public SerialIo(GuestMemory memory, FirmwareArena.Region arena, ServiceDispatcher dispatcher, Consumer<byte[]> transmit) {
        this.memory = memory;
        this.transmit = transmit;
        address = arena.take("COM1 EFI_SERIAL_IO_PROTOCOL", SIZE, 16);
        mode = arena.take("COM1 SERIAL_IO_MODE", MODE_SIZE, 8);
        memory.putU32(address, 0x0001_0000);
        memory.putU64(address + 8, dispatcher.registerBootTime("SerialIo.Reset", 1, this::reset));
        memory.putU64(address + 16, dispatcher.registerBootTime("SerialIo.SetAttributes", 7, this::setAttributes));
        memory.putU64(address + 24, dispatcher.registerBootTime("SerialIo.SetControl", 2, this::setControl));
        memory.putU64(address + 32, dispatcher.registerBootTime("SerialIo.GetControl", 2, this::getControl));
        memory.putU64(address + 40, dispatcher.registerBootTime("SerialIo.Write", 3, this::write));
        memory.putU64(address + 48, dispatcher.registerBootTime("SerialIo.Read", 3, this::read));
        memory.putU64(address + 56, mode);
        defaults();
    }

    public long address() {
        return address;
    }

    private void defaults() {
        memory.putU32(mode, 0x73F3);
        memory.putU32(mode + 4, 173);
        memory.putU64(mode + 8, 115200);
        memory.putU32(mode + 16, 16);
        memory.putU32(mode + 20, 8);
        memory.putU32(mode + 24, 1);
        memory.putU32(mode + 28, 1);
    }

    private EfiStatus reset(ServiceCall c) {
        c.arguments(ptr(c.arg(0)));
        if (c.arg(0) != address) {
            return EfiStatus.INVALID_PARAMETER;
        }
        control = 0;
        return EfiStatus.SUCCESS;
    }

    /** {@code SetAttributes(This, BaudRate, ReceiveFifoDepth, Timeout, Parity, DataBits, StopBits)}; 0 = default. */
    private EfiStatus setAttributes(ServiceCall c) {
        long baud = c.arg(1);
        long fifo = (c.argU32(2) & 0xFFFF_FFFFL);
        long timeout = (c.argU32(3) & 0xFFFF_FFFFL);
        long parity = (c.argU32(4) & 0xFFFF_FFFFL);
        long dataBits = c.arg(5) & 0xFF;
        long stopBits = (c.argU32(6) & 0xFFFF_FFFFL);
        c.arguments(ptr(c.arg(0)), Long.toUnsignedString(baud), fifo, timeout, parity, dataBits, stopBits);
        if (c.arg(0) != address || parity > 5 || stopBits > 3 || (dataBits != 0 && (dataBits < 5 || dataBits > 8))
                || fifo > 16) {
            return EfiStatus.INVALID_PARAMETER;
        }
        memory.putU64(mode + 8, baud == 0 ? 115200 : baud);
        memory.putU32(mode + 16, fifo == 0 ? 16 : fifo);
        memory.putU32(mode + 4, timeout == 0 ? 173 : timeout);
        memory.putU32(mode + 24, parity == 0 ? 1 : parity);
        memory.putU32(mode + 20, dataBits == 0 ? 8 : dataBits);
        memory.putU32(mode + 28, stopBits == 0 ? 1 : stopBits);
        return EfiStatus.SUCCESS;
    }

    private EfiStatus setControl(ServiceCall c) {
        long bits = (c.argU32(1) & 0xFFFF_FFFFL);
        c.arguments(ptr(c.arg(0)), hex(bits));
        if (c.arg(0) != address) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if ((bits & ~WRITABLE) != 0) {
            return EfiStatus.UNSUPPORTED;
        }
        control = (int) bits;
        return EfiStatus.SUCCESS;
    }

    private EfiStatus getControl(ServiceCall c) {
        long out = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(out));
        if (c.arg(0) != address || !c.isRam("Control", out, 4, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        int bits = control | STATUS_BITS;
        memory.putU32(out, bits);
        c.output(hex(bits));
        return EfiStatus.SUCCESS;
    }

    /** {@code Write(This, *BufferSize, Buffer)}: all bytes are sent. */
    private EfiStatus write(ServiceCall c) {
        long sizePtr = c.arg(1);
        long buffer = c.arg(2);
        c.arguments(ptr(c.arg(0)), ptr(sizePtr), ptr(buffer));
        if (c.arg(0) != address || !c.isRam("BufferSize", sizePtr, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long size = memory.u64(sizePtr);
        if (size == 0) {
            return EfiStatus.SUCCESS;
        }
        if (size > (1 << 24) || !c.isRam("Buffer", buffer, size, Align.NONE)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        transmit.accept(memory.read(buffer, (int) size));
        c.output(size + " bytes");
        return EfiStatus.SUCCESS;
    }

    /** {@code Read(This, *BufferSize, Buffer)}: nothing arrives; EFI_TIMEOUT with *BufferSize 0. */
    private EfiStatus read(ServiceCall c) {
        long sizePtr = c.arg(1);
        c.arguments(ptr(c.arg(0)), ptr(sizePtr), ptr(c.arg(2)));
        if (c.arg(0) != address || !c.isRam("BufferSize", sizePtr, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long wanted = memory.u64(sizePtr);
        memory.putU64(sizePtr, 0);
        return wanted == 0 ? EfiStatus.SUCCESS : EfiStatus.TIMEOUT;
    }
}
