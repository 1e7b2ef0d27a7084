package org.efiemu.uefi.fs;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Files held in memory, in creation order, all stamped with one fixed time (deterministic listings). */
final class MemoryBackend implements VolumeBackend {

    private static final class Node {
        final String name;
        final boolean directory;
        long attributes;
        byte[] data = new byte[0];
        /**
         * The contents when they are shared with their giver (a read-only view, position 0), else null ({@link #data}
         * holds them): copied into {@link #data} before the file's first change.
         */
        ByteBuffer shared;
        final Map<String, Node> children = new LinkedHashMap<>();

        int size() {
            return shared != null ? shared.remaining() : data.length;
        }

        /** {@link #data}, holding the contents (copied out of {@link #shared} first if they are shared). */
        byte[] owned() {
            if (shared != null) {
                byte[] copy = new byte[shared.remaining()];
                shared.get(0, copy);
                data = copy;
                shared = null;
            }
            return data;
        }

        Node(String name, boolean directory, long attributes) {
            this.name = name;
            this.directory = directory;
            this.attributes = attributes;
        }
    }

    private final Node root = new Node("", true, FileModes.DIRECTORY);
    private final EfiTime time;

    MemoryBackend(EfiTime time) {
        this.time = time;
    }

    private static String key(String name) {
        return name.toUpperCase(Locale.ROOT);
    }

    private Node node(List<String> path) {
        Node n = root;
        for (String part : path) {
            n = n == null || !n.directory ? null : n.children.get(key(part));
        }
        return n;
    }

    private Node existing(List<String> path) {
        Node n = node(path);
        if (n == null) {
            throw new IllegalArgumentException("no file \\" + String.join("\\", path) + " in the in-memory volume");
        }
        return n;
    }

    private Entry entry(Node n) {
        return new Entry(n.name, n.directory, n.size(), n.attributes, time, time, time);
    }

    @Override
    public Optional<Entry> stat(List<String> path) {
        return Optional.ofNullable(node(path)).map(this::entry);
    }

    @Override
    public List<Entry> list(List<String> dir) {
        List<Entry> out = new ArrayList<>();
        existing(dir).children.values().forEach(n -> out.add(entry(n)));
        return out;
    }

    @Override
    public byte[] read(List<String> path, long position, int length) {
        Node n = existing(path);
        int size = n.size();
        int from = (int) Math.min(position, size);
        int to = (int) Math.min(size, (long) from + length);
        if (n.shared != null) {
            byte[] out = new byte[to - from];
            n.shared.get(from, out);
            return out;
        }
        return Arrays.copyOfRange(n.data, from, to);
    }

    @Override
    public void write(List<String> path, long position, byte[] data) {
        Node n = existing(path);
        long end = position + data.length;
        if (end > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("in-memory file \\" + String.join("\\", path) + ": " + end
                    + " bytes is more than an in-memory file holds");
        }
        if (end > n.owned().length) {
            n.data = Arrays.copyOf(n.data, (int) end);
        }
        System.arraycopy(data, 0, n.data, (int) position, data.length);
    }

    /** The file's contents become {@code owned} (not copied: the caller hands the array over and keeps no reference). */
    void replaceContents(List<String> path, byte[] owned) {
        Node n = existing(path);
        n.data = owned;
        n.shared = null;
    }

    /**
     * The file's contents become {@code view}'s remaining bytes, shared, not copied: the giver never changes them
     * (e.g. an immutable image's file); the file copies them before its first change.
     */
    void shareContents(List<String> path, ByteBuffer view) {
        Node n = existing(path);
        n.shared = view.slice().asReadOnlyBuffer();
        n.data = new byte[0];
    }

    @Override
    public void setSize(List<String> path, long size) {
        Node n = existing(path);
        n.data = Arrays.copyOf(n.owned(), Math.toIntExact(size));
    }

    @Override
    public void setAttributes(List<String> path, long attributes) {
        existing(path).attributes = attributes;
    }

    @Override
    public void create(List<String> path, boolean directory, long attributes) {
        Node parent = existing(path.subList(0, path.size() - 1));
        String name = path.get(path.size() - 1);
        parent.children.put(key(name), new Node(name, directory, attributes));
    }

    @Override
    public void delete(List<String> path) {
        existing(path.subList(0, path.size() - 1)).children.remove(key(path.get(path.size() - 1)));
    }

    @Override
    public long usedBytes() {
        return used(root);
    }

    private static long used(Node n) {
        long sum = n.size();
        for (Node c : n.children.values()) {
            sum += used(c);
        }
        return sum;
    }
}
