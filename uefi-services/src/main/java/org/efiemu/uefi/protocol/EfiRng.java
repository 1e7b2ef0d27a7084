package org.efiemu.uefi.protocol;

import static org.efiemu.uefi.boot.ServiceCall.ptr;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.efiemu.core.memory.GuestMemory;
import org.efiemu.uefi.boot.ServiceCall;
import org.efiemu.uefi.boot.ServiceCall.Align;
import org.efiemu.uefi.boot.ServiceDispatcher;
import org.efiemu.uefi.firmware.FirmwareArena;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * {@code EFI_RNG_PROTOCOL} (UEFI 2.10 §37.5) with deterministic output: the byte stream is SHA-256 over the run's
 * seed and a block counter (block i = SHA-256(seed as 8 little-endian bytes || i as 8 little-endian bytes)), so the
 * same seed gives the same bytes on every run and machine, and another seed other bytes. GetInfo lists one
 * algorithm, {@code EFI_RNG_ALGORITHM_RAW}; GetRNG serves it for a NULL or RAW algorithm and answers
 * EFI_UNSUPPORTED for others. Real OVMF 2022.11 on q35 without a virtio-rng device has no RNG protocol
 * (captures/ovmf-q35-2g.firmware.txt: LocateProtocol EFI_NOT_FOUND), so a machine gets one only when a seed is given
 * ({@code UefiMachineBuilder#rng(long)}, {@code --rng-seed}).
 */
public final class EfiRng {
    public static final int SIZE = 16;
    private static final int GUID_SIZE = 16;

    private final GuestMemory memory;
    private final long seed;
    private final long address;
    private final MessageDigest sha256;
    private long block;
    private byte[] pending = new byte[0];
    private int pendingAt;
    private long served;

    public EfiRng(long seed, GuestMemory memory, FirmwareArena.Region arena, ServiceDispatcher dispatcher) {
        this.seed = seed;
        this.memory = memory;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
        address = arena.take("EFI_RNG_PROTOCOL", SIZE, 16);
        memory.putU64(address, dispatcher.registerBootTime("Rng.GetInfo", 3, this::getInfo));
        memory.putU64(address + 8, dispatcher.registerBootTime("Rng.GetRNG", 4, this::getRng));
    }

    public long address() {
        return address;
    }

    /** The run's seed. */
    public long seed() {
        return seed;
    }

    /** Random bytes handed to the guest so far. */
    public long bytesServed() {
        return served;
    }

    /** The next {@code n} bytes of the stream (what GetRNG writes). */
    public byte[] next(int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            if (pendingAt == pending.length) {
                ByteBuffer in = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(seed).putLong(block++);
                pending = sha256.digest(in.array());
                pendingAt = 0;
            }
            out[i] = pending[pendingAt++];
        }
        served += n;
        return out;
    }

    /** {@code GetInfo(This, *RNGAlgorithmListSize, RNGAlgorithmList)}. */
    private EfiStatus getInfo(ServiceCall c) {
        long sizePtr = c.arg(1);
        long list = c.arg(2);
        c.arguments(ptr(c.arg(0)), ptr(sizePtr), ptr(list));
        if (c.arg(0) != address || !c.isRam("RNGAlgorithmListSize", sizePtr, 8, Align.UINT64)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        long size = memory.u64(sizePtr);
        memory.putU64(sizePtr, GUID_SIZE);
        if (Long.compareUnsigned(size, GUID_SIZE) < 0) {
            return EfiStatus.BUFFER_TOO_SMALL;
        }
        if (!c.isRam("RNGAlgorithmList", list, GUID_SIZE, Align.UINT32)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        memory.write(list, Guid.EFI_RNG_ALGORITHM_RAW.toBytes());
        c.output("EFI_RNG_ALGORITHM_RAW");
        return EfiStatus.SUCCESS;
    }

    /** {@code GetRNG(This, RNGAlgorithm OPTIONAL, RNGValueLength, RNGValue)}. */
    private EfiStatus getRng(ServiceCall c) {
        long alg = c.arg(1);
        long length = c.arg(2);
        long value = c.arg(3);
        c.arguments(ptr(c.arg(0)), ptr(alg), Long.toUnsignedString(length), ptr(value));
        if (c.arg(0) != address || length == 0 || value == 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if (alg != 0) {
            if (!c.isRam("RNGAlgorithm", alg, GUID_SIZE, Align.UINT32)) {
                return EfiStatus.INVALID_PARAMETER;
            }
            if (!Guid.fromBytes(memory.read(alg, GUID_SIZE)).equals(Guid.EFI_RNG_ALGORITHM_RAW)) {
                return EfiStatus.UNSUPPORTED;
            }
        }
        if (length > (1 << 24) || !c.isRam("RNGValue", value, length, Align.NONE)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        memory.write(value, next((int) length));
        c.output(length + " bytes (seed " + seed + ")");
        return EfiStatus.SUCCESS;
    }
}
