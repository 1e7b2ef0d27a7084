package org.efiemu.earlyalloc.report;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.function.Function;

/**
 * An unmodifiable list whose elements are made from an immutable source list's elements when first read, e.g. a
 * scenario report's trace lines from the observed calls: a hunt judges thousands of machines and reads the report of
 * a few (the failing machine it keeps), so the lines are not built for the others. Equal to any list with the same
 * elements ({@link AbstractList}). The function must be pure and give non-null immutable values: a value made twice
 * by two threads reading at once is the same value, so the memo needs no lock (as {@link String}'s hash).
 */
public final class MappedList<S, T> extends AbstractList<T> implements RandomAccess {
    private final List<S> source;
    private final Function<? super S, ? extends T> make;
    private final Object[] made;

    private MappedList(List<S> source, Function<? super S, ? extends T> make) {
        this.source = source;
        this.make = make;
        this.made = new Object[source.size()];
    }

    /** The elements {@code make} gives for {@code source}'s, made when read; {@code source} is copied unless immutable. */
    public static <S, T> List<T> of(List<S> source, Function<? super S, ? extends T> make) {
        return new MappedList<>(List.copyOf(source), Objects.requireNonNull(make, "make"));
    }

    @Override
    @SuppressWarnings("unchecked")
    public T get(int index) {
        Object v = made[index]; // index checked by the array
        if (v == null) {
            v = Objects.requireNonNull(make.apply(source.get(index)), "MappedList element");
            made[index] = v;
        }
        return (T) v;
    }

    @Override
    public int size() {
        return made.length;
    }
}
