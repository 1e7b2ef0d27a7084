package org.efiemu.uefi.variable;

import static org.efiemu.uefi.variable.VariableAttributes.APPEND_WRITE;
import static org.efiemu.uefi.variable.VariableAttributes.AT_AW;
import static org.efiemu.uefi.variable.VariableAttributes.ATTRIBUTES_MASK;
import static org.efiemu.uefi.variable.VariableAttributes.AUTHENTICATED_WRITE_ACCESS;
import static org.efiemu.uefi.variable.VariableAttributes.BOOTSERVICE_ACCESS;
import static org.efiemu.uefi.variable.VariableAttributes.HARDWARE_ERROR_RECORD;
import static org.efiemu.uefi.variable.VariableAttributes.NON_VOLATILE;
import static org.efiemu.uefi.variable.VariableAttributes.RUNTIME_ACCESS;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.efiemu.uefi.spec.EfiStatus;
import org.efiemu.uefi.spec.Guid;

/**
 * The variable services (UEFI 2.10 §8.2) over a volatile and a non-volatile store, with the statuses of EDK2's
 * {@code MdeModulePkg/Universal/Variable/RuntimeDxe/Variable.c} built without authenticated-variable support
 * (no {@code AuthVariableLib}) and without hardware-error-record storage.
 *
 * <p>Order matters to {@code GetNextVariableName()}: EDK2 walks the volatile store, then the NV store, and a write
 * that changes a variable appends its new copy at the end of its store; this model keeps the same order.
 * After {@link #exitBootServices()} only {@code RUNTIME_ACCESS} variables are visible and only NV+RT variables can
 * be written. Not thread-safe: one store per machine.
 */
public final class VariableStore {

    private record Key(String name, Guid vendor) {
    }

    private final VariableStoreConfig config;
    private final Map<Key, Variable> volatileStore = new LinkedHashMap<>();
    private final Map<Key, Variable> nvStore = new LinkedHashMap<>();
    private boolean atRuntime;

    public VariableStore(VariableStoreConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Adds variables as a platform's firmware had them at boot (e.g. {@code BootOrder}, {@code Boot0000},
     * {@code PlatformLang}), in order, replacing same-named ones; bypasses the SetVariable checks but not the
     * attribute sanity checks.
     *
     * @throws IllegalArgumentException naming the variable when its attributes lack BS access or carry bits this
     *                                  store does not support (time-based authenticated variables only in an
     *                                  {@link VariableStoreConfig#authenticated() authenticated} store)
     */
    public void seed(List<Variable> variables) {
        int allowed = NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS
                | (config.authenticated() ? VariableAttributes.TIME_BASED_AUTHENTICATED_WRITE_ACCESS : 0);
        for (Variable v : variables) {
            int a = v.attributes();
            if ((a & BOOTSERVICE_ACCESS) == 0 || (a & ~allowed) != 0) {
                throw new IllegalArgumentException("seed variable " + v.vendor() + "-" + v.name() + ": attributes "
                        + VariableAttributes.nameOf(a) + ", expected BS with optional NV and RT"
                        + (config.authenticated() ? " and time-based authenticated write access" : ""));
            }
            Key k = new Key(v.name(), v.vendor());
            volatileStore.remove(k);
            nvStore.remove(k);
            storeOf(a).put(k, v);
        }
    }

    /** Enters the runtime phase: from now on only RT variables are visible (EDK2 {@code AtRuntime()}). */
    public void exitBootServices() {
        atRuntime = true;
    }

    /** Every visible variable, in {@code GetNextVariableName()} order. */
    public List<Variable> variables() {
        List<Variable> out = new ArrayList<>();
        for (Map<Key, Variable> store : List.of(volatileStore, nvStore)) {
            store.values().stream().filter(this::visible).forEach(out::add);
        }
        return out;
    }

    private boolean visible(Variable v) {
        return !atRuntime || (v.attributes() & RUNTIME_ACCESS) != 0;
    }

    private Map<Key, Variable> storeOf(int attributes) {
        return (attributes & NON_VOLATILE) != 0 ? nvStore : volatileStore;
    }

    private Variable find(Key k) {
        Variable v = volatileStore.get(k);
        return v != null ? v : nvStore.get(k);
    }

    /**
     * {@code GetVariable()} (§8.2.1): {@code EFI_NOT_FOUND} for an empty name, an unknown or (at runtime) non-RT
     * variable; {@code EFI_BUFFER_TOO_SMALL} with the needed size when {@code dataSize} is smaller than the data.
     */
    public GetVariableResult getVariable(String name, Guid vendor, long dataSize) {
        if (name == null || vendor == null) {
            return GetVariableResult.of(EfiStatus.INVALID_PARAMETER);
        }
        Variable v = name.isEmpty() ? null : find(new Key(name, vendor));
        if (v == null || !visible(v)) {
            return GetVariableResult.of(EfiStatus.NOT_FOUND);
        }
        byte[] data = v.data();
        if (Long.compareUnsigned(dataSize, data.length) < 0) {
            return new GetVariableResult(EfiStatus.BUFFER_TOO_SMALL, v.attributes(), data.length, new byte[0]);
        }
        return new GetVariableResult(EfiStatus.SUCCESS, v.attributes(), data.length, data);
    }

    /**
     * {@code GetNextVariableName()} (§8.2.2; EDK2 {@code VariableServiceGetNextVariableName}): an empty
     * {@code previousName} starts the walk; a previous name/GUID that is not a visible variable is
     * {@code EFI_INVALID_PARAMETER}; the end of the walk is {@code EFI_NOT_FOUND}; a name longer than
     * {@code nameBufferSize} bytes (UTF-16 with NUL) is {@code EFI_BUFFER_TOO_SMALL} with the needed size.
     *
     * @param nameBufferSize the caller's {@code *VariableNameSize}; 0 or a buffer without NUL within it is
     *                       {@code EFI_INVALID_PARAMETER} (pass {@code (previousName.length() + 1) * 2} or more)
     */
    public NextVariableNameResult getNextVariableName(long nameBufferSize, String previousName, Guid previousVendor) {
        if (previousName == null || previousVendor == null
                || Long.compareUnsigned(nameBufferSize / 2, previousName.length()) <= 0) {
            return new NextVariableNameResult(EfiStatus.INVALID_PARAMETER, nameBufferSize, null, null);
        }
        List<Variable> all = variables();
        int next = 0;
        if (!previousName.isEmpty()) {
            Key k = new Key(previousName, previousVendor);
            int i = 0;
            while (i < all.size() && !new Key(all.get(i).name(), all.get(i).vendor()).equals(k)) {
                i++;
            }
            if (i == all.size()) {
                return new NextVariableNameResult(EfiStatus.INVALID_PARAMETER, nameBufferSize, null, null);
            }
            next = i + 1;
        }
        if (next >= all.size()) {
            return new NextVariableNameResult(EfiStatus.NOT_FOUND, nameBufferSize, null, null);
        }
        Variable v = all.get(next);
        if (Long.compareUnsigned(v.nameSize(), nameBufferSize) > 0) {
            return new NextVariableNameResult(EfiStatus.BUFFER_TOO_SMALL, v.nameSize(), null, null);
        }
        return new NextVariableNameResult(EfiStatus.SUCCESS, v.nameSize(), v.name(), v.vendor());
    }

    /**
     * {@code SetVariable()} (§8.2.3; EDK2 {@code VariableServiceSetVariable} and {@code UpdateVariable}).
     * Deletes when {@code attributes} has no access bits or {@code data} is empty without {@code APPEND_WRITE};
     * appends with {@code APPEND_WRITE}. Statuses: {@code EFI_INVALID_PARAMETER} for an empty name, reserved or
     * authenticated-write bits (no auth support), RT without BS, NV alone, a size above the maximum, a rewrite
     * with different attributes, or a runtime write of a non-NV/non-RT variable; {@code EFI_UNSUPPORTED} for
     * RT without BS together with the deprecated AW bit, or AW with AT; {@code EFI_WRITE_PROTECTED} for a runtime
     * write of a BS-only or volatile variable; {@code EFI_NOT_FOUND} when deleting a missing variable;
     * {@code EFI_OUT_OF_RESOURCES} when the store is full.
     */
    public EfiStatus setVariable(String name, Guid vendor, int attributes, byte[] data) {
        if (name == null || name.isEmpty() || vendor == null || data == null) {
            return EfiStatus.INVALID_PARAMETER;
        }
        EfiStatus check = checkAttributes(attributes);
        if (check != EfiStatus.SUCCESS) {
            return check;
        }
        long maxSize = (attributes & NON_VOLATILE) != 0 ? config.maxVariableSize() : config.maxVolatileVariableSize();
        if ((long) (name.length() + 1) * 2 + data.length > maxSize - config.variableHeaderSize()) {
            return EfiStatus.INVALID_PARAMETER;
        }
        Key key = new Key(name, vendor);
        Variable existing = find(key);
        if (existing != null) {
            if ((existing.attributes() & RUNTIME_ACCESS) == 0 && atRuntime) {
                return EfiStatus.WRITE_PROTECTED;
            }
            if (attributes != 0 && (attributes & ~APPEND_WRITE) != existing.attributes()) {
                return EfiStatus.INVALID_PARAMETER;
            }
            return update(key, existing, attributes, data);
        }
        if (data.length == 0 || (attributes & (RUNTIME_ACCESS | BOOTSERVICE_ACCESS)) == 0) {
            return EfiStatus.NOT_FOUND;
        }
        if (atRuntime && ((attributes & RUNTIME_ACCESS) == 0 || (attributes & NON_VOLATILE) == 0)) {
            return EfiStatus.INVALID_PARAMETER;
        }
        return write(key, null, new Variable(name, vendor, attributes & ~APPEND_WRITE, data));
    }

    private static EfiStatus checkAttributes(int attributes) {
        if ((attributes & ~(ATTRIBUTES_MASK | AUTHENTICATED_WRITE_ACCESS)) != 0) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if ((attributes & (RUNTIME_ACCESS | BOOTSERVICE_ACCESS)) == RUNTIME_ACCESS) {
            return (attributes & AUTHENTICATED_WRITE_ACCESS) != 0 ? EfiStatus.UNSUPPORTED : EfiStatus.INVALID_PARAMETER;
        }
        if ((attributes & ATTRIBUTES_MASK) == NON_VOLATILE) {
            return EfiStatus.INVALID_PARAMETER;
        }
        if ((attributes & AT_AW) != 0 || (attributes & HARDWARE_ERROR_RECORD) != 0) {
            // no AuthVariableLib and PcdHwErrStorageSize == 0
            return EfiStatus.INVALID_PARAMETER;
        }
        return EfiStatus.SUCCESS;
    }

    /** EDK2 {@code UpdateVariable()} for an existing variable. */
    private EfiStatus update(Key key, Variable existing, int attributes, byte[] data) {
        boolean isVolatile = (existing.attributes() & NON_VOLATILE) == 0;
        if (atRuntime && isVolatile) {
            return EfiStatus.WRITE_PROTECTED;
        }
        boolean append = (attributes & APPEND_WRITE) != 0;
        if ((!append && data.length == 0) || (attributes & (RUNTIME_ACCESS | BOOTSERVICE_ACCESS)) == 0) {
            storeOf(existing.attributes()).remove(key);
            return EfiStatus.SUCCESS;
        }
        byte[] old = existing.data();
        if (!append && Arrays.equals(old, data)) {
            return EfiStatus.SUCCESS;
        }
        byte[] merged = data;
        if (append) {
            merged = Arrays.copyOf(old, old.length + data.length);
            System.arraycopy(data, 0, merged, old.length, data.length);
            long max = isVolatile ? config.maxVolatileVariableSize() : config.maxVariableSize();
            if (existing.nameSize() + (long) merged.length > max - config.variableHeaderSize()) {
                return EfiStatus.INVALID_PARAMETER;
            }
        }
        return write(key, existing, new Variable(existing.name(), existing.vendor(), existing.attributes(), merged));
    }

    /** Appends {@code v} at the end of its store (replacing {@code existing}) if the store has room. */
    private EfiStatus write(Key key, Variable existing, Variable v) {
        Map<Key, Variable> store = storeOf(v.attributes());
        long capacity = capacity(store == nvStore);
        long used = used(store) - (existing == null ? 0 : existing.storeSize(config.variableHeaderSize()));
        if (used + v.storeSize(config.variableHeaderSize()) > capacity) {
            return EfiStatus.OUT_OF_RESOURCES;
        }
        store.remove(key);
        store.put(key, v);
        return EfiStatus.SUCCESS;
    }

    private long capacity(boolean nonVolatile) {
        return (nonVolatile ? config.nonVolatileStoreSize() : config.volatileStoreSize())
                - VariableStoreConfig.STORE_HEADER_SIZE;
    }

    private long used(Map<Key, Variable> store) {
        int header = config.variableHeaderSize();
        return store.values().stream().mapToLong(v -> v.storeSize(header)).sum();
    }

    /**
     * {@code QueryVariableInfo()} (§8.2.4; EDK2 {@code VariableServiceQueryVariableInfo}): the store selected by
     * {@code NON_VOLATILE}, its size without header, what is left, and the largest variable that still fits.
     * {@code EFI_INVALID_PARAMETER} for 0, RT without BS, neither BS nor RT (NV alone: OVMF 2022.11 answers so),
     * HR without NV, or a non-RT query at runtime; {@code EFI_UNSUPPORTED} for no NV/BS/RT/HR/AT bit,
     * hardware-error-record queries and authenticated ones, except time-based authenticated ones in an
     * {@link VariableStoreConfig#authenticated() authenticated} store (answered as the same query without the bit).
     */
    public VariableStorageInfo queryVariableInfo(int attributes) {
        EfiStatus status = EfiStatus.SUCCESS;
        if (attributes == 0) {
            status = EfiStatus.INVALID_PARAMETER;
        } else if ((attributes & (NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS | HARDWARE_ERROR_RECORD
                | AT_AW)) == 0) {
            status = EfiStatus.UNSUPPORTED;
        } else if ((attributes & (RUNTIME_ACCESS | BOOTSERVICE_ACCESS)) == RUNTIME_ACCESS
                || (attributes & (RUNTIME_ACCESS | BOOTSERVICE_ACCESS)) == 0) {
            status = EfiStatus.INVALID_PARAMETER;
        } else if (atRuntime && (attributes & RUNTIME_ACCESS) == 0) {
            status = EfiStatus.INVALID_PARAMETER;
        } else if ((attributes & (NON_VOLATILE | HARDWARE_ERROR_RECORD)) == HARDWARE_ERROR_RECORD) {
            status = EfiStatus.INVALID_PARAMETER;
        } else if ((attributes & HARDWARE_ERROR_RECORD) != 0 || (attributes & AUTHENTICATED_WRITE_ACCESS) != 0
                || ((attributes & VariableAttributes.TIME_BASED_AUTHENTICATED_WRITE_ACCESS) != 0
                        && !config.authenticated())) {
            status = EfiStatus.UNSUPPORTED;
        }
        if (status != EfiStatus.SUCCESS) {
            return new VariableStorageInfo(status, 0, 0, 0);
        }
        boolean nv = (attributes & NON_VOLATILE) != 0;
        long max = capacity(nv);
        long remaining = Math.max(0, max - used(nv ? nvStore : volatileStore));
        long maxVariable = (nv ? config.maxVariableSize() : config.maxVolatileVariableSize())
                - config.variableHeaderSize();
        int header = config.variableHeaderSize();
        if (remaining < header) {
            maxVariable = 0;
        } else if (remaining - header < maxVariable) {
            maxVariable = remaining - header;
        }
        return new VariableStorageInfo(EfiStatus.SUCCESS, max, remaining, maxVariable);
    }
}
