package org.efiemu.uefi.fs;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Storage behind an {@link EspVolume}: paths are lists of exact (already case-resolved) names from the root.
 * Package-private; {@link MemoryBackend} and {@link HostDirectoryBackend} implement it.
 */
interface VolumeBackend {

    /** What a directory entry says about a file. */
    record Entry(String name, boolean directory, long size, long attributes, EfiTime created, EfiTime accessed,
            EfiTime modified) {
    }

    Optional<Entry> stat(List<String> path) throws IOException;

    /** The entries of a directory in a stable order. */
    List<Entry> list(List<String> dir) throws IOException;

    byte[] read(List<String> path, long position, int length) throws IOException;

    void write(List<String> path, long position, byte[] data) throws IOException;

    void setSize(List<String> path, long size) throws IOException;

    void setAttributes(List<String> path, long attributes) throws IOException;

    void create(List<String> path, boolean directory, long attributes) throws IOException;

    void delete(List<String> path) throws IOException;

    /** Bytes used by file data. */
    long usedBytes() throws IOException;
}
