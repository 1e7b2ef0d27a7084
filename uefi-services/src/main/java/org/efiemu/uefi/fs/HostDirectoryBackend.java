package org.efiemu.uefi.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A host directory as a volume. Entries are listed sorted by name (case-insensitively, then exactly) so that
 * listings do not depend on the host file system's order. Every mutating method refuses to run unless the backend
 * was made writable, so a read-only volume can never alter the user's directory.
 */
final class HostDirectoryBackend implements VolumeBackend {

    private final Path root;
    private final boolean writable;

    HostDirectoryBackend(Path root, boolean writable) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("ESP host directory " + root + ": not a directory");
        }
        this.root = root;
        this.writable = writable;
    }

    private Path resolve(List<String> path) {
        Path p = root;
        for (String part : path) {
            p = p.resolve(part);
        }
        return p;
    }

    private void requireWritable(String op, List<String> path) {
        if (!writable) {
            throw new IllegalStateException(op + " of \\" + String.join("\\", path)
                    + " on a read-only host directory volume " + root);
        }
    }

    private static Entry entry(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        boolean dir = a.isDirectory();
        return new Entry(p.getFileName() == null ? "" : p.getFileName().toString(), dir, dir ? 0 : a.size(),
                dir ? FileModes.DIRECTORY : FileModes.ARCHIVE, EfiTime.of(a.creationTime().toInstant()),
                EfiTime.of(a.lastAccessTime().toInstant()), EfiTime.of(a.lastModifiedTime().toInstant()));
    }

    @Override
    public Optional<Entry> stat(List<String> path) throws IOException {
        Path p = resolve(path);
        return Files.exists(p) ? Optional.of(entry(p)) : Optional.empty();
    }

    @Override
    public List<Entry> list(List<String> dir) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(resolve(dir))) {
            for (Path p : s.sorted(Comparator.comparing((Path q) -> q.getFileName().toString(),
                    String.CASE_INSENSITIVE_ORDER).thenComparing(q -> q.getFileName().toString())).toList()) {
                out.add(entry(p));
            }
        }
        return out;
    }

    @Override
    public byte[] read(List<String> path, long position, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(resolve(path), StandardOpenOption.READ)) {
            long available = Math.max(0, ch.size() - position);
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, available));
            while (buf.hasRemaining() && ch.read(buf, position + buf.position()) > 0) {
                // keep reading until the buffer is full or EOF
            }
            return buf.array();
        }
    }

    @Override
    public void write(List<String> path, long position, byte[] data) throws IOException {
        requireWritable("Write", path);
        try (FileChannel ch = FileChannel.open(resolve(path), StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf, position + buf.position());
            }
        }
    }

    @Override
    public void setSize(List<String> path, long size) throws IOException {
        requireWritable("SetInfo(FileSize)", path);
        try (FileChannel ch = FileChannel.open(resolve(path), StandardOpenOption.WRITE)) {
            if (size < ch.size()) {
                ch.truncate(size);
            } else if (size > ch.size()) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        }
    }

    @Override
    public void setAttributes(List<String> path, long attributes) {
        throw new UnsupportedOperationException("FAT attributes of \\" + String.join("\\", path)
                + " cannot be stored in host directory " + root);
    }

    @Override
    public void create(List<String> path, boolean directory, long attributes) throws IOException {
        requireWritable("Create", path);
        if (directory) {
            Files.createDirectory(resolve(path));
        } else {
            Files.createFile(resolve(path));
        }
    }

    @Override
    public void delete(List<String> path) throws IOException {
        requireWritable("Delete", path);
        Files.delete(resolve(path));
    }

    @Override
    public long usedBytes() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            long sum = 0;
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                sum += Files.size(p);
            }
            return sum;
        }
    }
}
