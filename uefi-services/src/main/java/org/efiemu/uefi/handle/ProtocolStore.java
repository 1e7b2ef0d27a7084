package org.efiemu.uefi.handle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.efiemu.uefi.spec.Guid;

/**
 * The data of the handle database, laid out as EDK2's {@code MdeModulePkg/Core/Dxe/Hand/Handle.h}: a handle list
 * ({@code gHandleList}, creation order), one protocol entry per GUID ({@code mProtocolDatabase}) holding its
 * interfaces in install order and its notify registrations. Package-private; {@link HandleDatabase} and
 * {@link HandleLocator} work on it.
 */
final class ProtocolStore {

    /** {@code IHANDLE}: the handle's protocol interfaces in install order. */
    static final class Handle {
        final long value;
        final List<ProtocolInterface> protocols = new ArrayList<>();
        /** {@code IHANDLE.Key}: the database key when the handle was last created or modified. */
        long key;

        Handle(long value) {
            this.value = value;
        }

        ProtocolInterface find(Guid protocol) {
            for (ProtocolInterface p : protocols) {
                if (p.entry.guid.equals(protocol)) {
                    return p;
                }
            }
            return null;
        }
    }

    /** {@code PROTOCOL_ENTRY}: all interfaces of one protocol GUID, and who wants to hear of new ones. */
    static final class ProtocolEntry {
        final Guid guid;
        final List<ProtocolInterface> interfaces = new ArrayList<>();
        final List<ProtocolNotify> notifies = new ArrayList<>();

        ProtocolEntry(Guid guid) {
            this.guid = guid;
        }

        /** The interface after {@code position} (null = list head), or null at the end. */
        ProtocolInterface after(ProtocolInterface position) {
            int next = position == null ? 0 : indexOf(position) + 1;
            return next < interfaces.size() ? interfaces.get(next) : null;
        }

        int indexOf(ProtocolInterface p) {
            for (int i = 0; i < interfaces.size(); i++) {
                if (interfaces.get(i) == p) {
                    return i;
                }
            }
            return -1;
        }

        /** {@code CoreRemoveInterfaceFromProtocol()}: removes {@code p}, backing notify positions up one. */
        void remove(ProtocolInterface p) {
            int i = indexOf(p);
            ProtocolInterface previous = i > 0 ? interfaces.get(i - 1) : null;
            for (ProtocolNotify n : notifies) {
                if (n.position == p) {
                    n.position = previous;
                }
            }
            interfaces.remove(i);
        }
    }

    /** {@code PROTOCOL_INTERFACE}: one interface on one handle, with its open list. */
    static final class ProtocolInterface {
        final Handle handle;
        final ProtocolEntry entry;
        long pointer;
        final List<OpenData> openList = new ArrayList<>();

        ProtocolInterface(Handle handle, ProtocolEntry entry, long pointer) {
            this.handle = handle;
            this.entry = entry;
            this.pointer = pointer;
        }
    }

    /** {@code OPEN_PROTOCOL_DATA}. */
    static final class OpenData {
        final long agent;
        final long controller;
        final int attributes;
        int openCount = 1;

        OpenData(long agent, long controller, int attributes) {
            this.agent = agent;
            this.controller = controller;
            this.attributes = attributes;
        }
    }

    /** {@code PROTOCOL_NOTIFY}: a registration; {@code position} is the last interface reported (null = none). */
    static final class ProtocolNotify {
        final long registration;
        final ProtocolEntry entry;
        final long event;
        ProtocolInterface position;

        ProtocolNotify(long registration, ProtocolEntry entry, long event) {
            this.registration = registration;
            this.entry = entry;
            this.event = event;
        }
    }

    final Map<Long, Handle> handles = new LinkedHashMap<>();
    /** {@code gHandleDatabaseKey}: raised each time a handle is created or modified. */
    long databaseKey;
    final Map<Guid, ProtocolEntry> protocols = new LinkedHashMap<>();
    final Map<Long, ProtocolNotify> registrations = new LinkedHashMap<>();

    /** {@code CoreFindProtocolEntry()}. */
    ProtocolEntry entry(Guid guid, boolean create) {
        ProtocolEntry e = protocols.get(guid);
        if (e == null && create) {
            e = new ProtocolEntry(guid);
            protocols.put(guid, e);
        }
        return e;
    }

    ProtocolInterface find(long handle, Guid protocol) {
        Handle h = handles.get(handle);
        return h == null ? null : h.find(protocol);
    }
}
