package org.efiemu.uefi.devicepath;

import java.util.Arrays;

/**
 * Pure: EFI_DEVICE_PATH_UTILITIES_PROTOCOL (UEFI 2.10 §10.5) as OVMF's DevicePathDxe answers it (EDK2
 * {@code MdePkg/Library/UefiDevicePathLib/DevicePathUtilities.c}, edk2-stable202211; PcdMaximumDevicePathNodeCount 0):
 * a path is valid when every node before the End-Entire node has a Length of at least 4, every file path node ends
 * with a NUL character and the End-Entire node's Length is 4; an invalid path has size 0, is not multi-instance and
 * gives NULL where a path is returned. New paths are EfiBootServicesData pool ({@link PoolTrace}).
 *
 * <p>Paths are given as the bytes the adapter read: whole nodes up to and including the first End-Entire node, or
 * {@code null} for a NULL pointer; {@link #INVALID} for bytes that are not a valid path.
 */
public final class Edk2DevicePathUtilities {

    /** Marker for a pointer whose bytes are not a valid device path. */
    public static final byte[] INVALID = new byte[0];

    static final byte[] END = {0x7F, (byte) 0xFF, 4, 0};

    /** A returned path (null: NULL) with its pool steps and buffer. */
    public record Result(byte[] bytes, PoolTrace pool, int buffer) {}

    private Edk2DevicePathUtilities() {}

    /** IsDevicePathValid(path, 0). */
    public static boolean valid(byte[] path) {
        if (path == null || path == INVALID || path.length < 4) {
            return false;
        }
        int off = 0;
        while (off + 4 <= path.length) {
            int len = Edk2Text.u16(path, off + 2);
            if (path[off] == 0x7F && (path[off + 1] & 0xFF) == 0xFF) {
                return len == 4;
            }
            if (len < 4 || off + len > path.length) {
                return false;
            }
            if (path[off] == 4 && path[off + 1] == 4 && (path[off + len - 2] != 0 || path[off + len - 1] != 0)) {
                return false;
            }
            off += len;
        }
        return false;
    }

    /** GetDevicePathSize. */
    public static long size(byte[] path) {
        return valid(path) ? path.length : 0;
    }

    /** DuplicateDevicePath. */
    public static Result duplicate(byte[] path) {
        PoolTrace pool = new PoolTrace();
        return duplicate(path, pool);
    }

    private static Result duplicate(byte[] path, PoolTrace pool) {
        if (!valid(path)) {
            return new Result(null, pool, -1);
        }
        return new Result(path.clone(), pool, pool.alloc(path.length));
    }

    /** AppendDevicePath. */
    public static Result append(byte[] first, byte[] second) {
        PoolTrace pool = new PoolTrace();
        if (first == null) {
            return duplicate(second != null ? second : END, pool);
        }
        if (second == null) {
            return duplicate(first, pool);
        }
        if (!valid(first) || !valid(second)) {
            return new Result(null, pool, -1);
        }
        byte[] out = Arrays.copyOf(first, first.length + second.length - 4);
        System.arraycopy(second, 0, out, first.length - 4, second.length);
        return new Result(out, pool, pool.alloc(out.length));
    }

    /** AppendDevicePathNode: {@code node} holds the node's Length bytes (null: NULL). */
    public static Result appendNode(byte[] path, byte[] node) {
        if (node == null) {
            PoolTrace pool = new PoolTrace();
            return duplicate(path != null ? path : END, pool);
        }
        byte[] temp = Arrays.copyOf(node, node.length + 4);
        System.arraycopy(END, 0, temp, node.length, 4);
        PoolTrace pool = new PoolTrace();
        int t = pool.alloc(temp.length);
        Result r;
        if (path == null) {
            r = duplicate(temp, pool);
        } else if (!valid(path) || !valid(temp)) {
            r = new Result(null, pool, -1);
        } else {
            byte[] out = Arrays.copyOf(path, path.length + temp.length - 4);
            System.arraycopy(temp, 0, out, path.length - 4, temp.length);
            r = new Result(out, pool, pool.alloc(out.length));
        }
        pool.free(t);
        return r;
    }

    /** AppendDevicePathInstance. */
    public static Result appendInstance(byte[] path, byte[] instance) {
        PoolTrace pool = new PoolTrace();
        if (path == null) {
            return duplicate(instance, pool);
        }
        if (instance == null || !valid(path) || !valid(instance)) {
            return new Result(null, pool, -1);
        }
        byte[] out = Arrays.copyOf(path, path.length + instance.length);
        out[path.length - 3] = 0x01; // the End-Entire node becomes an End-Instance node
        System.arraycopy(instance, 0, out, path.length, instance.length);
        return new Result(out, pool, pool.alloc(out.length));
    }

    /**
     * GetNextDevicePathInstance over a path: the instance copy (End-Entire terminated), its Size (bytes up to and
     * including its end node) and the offset of the next instance in {@code path} (-1: none; *DevicePath becomes
     * NULL).
     */
    public record Instance(Result copy, long size, int next) {}

    public static Instance nextInstance(byte[] path) {
        PoolTrace pool = new PoolTrace();
        int off = 0;
        while (!(path[off] == 0x7F)) {
            off += Edk2Text.u16(path, off + 2);
        }
        long size = off + 4L;
        byte[] copy = Arrays.copyOf(path, off + 4);
        copy[off + 1] = (byte) 0xFF;
        Result r = duplicate(copy, pool);
        int next = (path[off + 1] & 0xFF) == 0xFF ? -1 : off + Edk2Text.u16(path, off + 2);
        return new Instance(r, size, next);
    }

    /** IsDevicePathMultiInstance. */
    public static boolean multiInstance(byte[] path) {
        if (!valid(path)) {
            return false;
        }
        for (int off = 0; !(path[off] == 0x7F && (path[off + 1] & 0xFF) == 0xFF); off += Edk2Text.u16(path, off + 2)) {
            if (path[off] == 0x7F && path[off + 1] == 0x01) {
                return true;
            }
        }
        return false;
    }

    /** CreateDeviceNode: a zeroed node with its header, or NULL when the Length is below 4. */
    public static Result createNode(int type, int subType, int length) {
        PoolTrace pool = new PoolTrace();
        if (length < 4) {
            return new Result(null, pool, -1);
        }
        byte[] n = new byte[length];
        n[0] = (byte) type;
        n[1] = (byte) subType;
        n[2] = (byte) length;
        n[3] = (byte) (length >>> 8);
        return new Result(n, pool, pool.allocZero(length));
    }
}
