package org.efiemu.uefi.diagnostics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.efiemu.uefi.spec.Guid;
import org.efiemu.uefi.trace.ServiceCallEvent;
import org.efiemu.uefi.trace.TraceListener;

/**
 * Collects, from the service trace as it is written, what the guest asked for and did not get
 * ({@link UnmetRequest}): calls of unimplemented services; protocol look-ups answered EFI_NOT_FOUND or
 * EFI_UNSUPPORTED (LocateProtocol, HandleProtocol, OpenProtocol, LocateHandle, LocateHandleBuffer, LocateDevicePath;
 * UEFI 2.10 §7.3); GetVariable answered EFI_NOT_FOUND (§8.2.1); a file Open or LoadImage answered EFI_NOT_FOUND.
 * One entry per (kind, thing, call site), in the order first asked. Listens on one machine's trace; not thread-safe.
 */
public final class UnmetRequests implements TraceListener {
    private static final String NOT_IMPLEMENTED = "not implemented by efiemu";

    private final Predicate<Guid> anyHandleHas;
    private final Map<String, UnmetRequest> requests = new LinkedHashMap<>();

    /** @param anyHandleHas whether some handle has the protocol now (tells "no handle has" from "not this handle") */
    public UnmetRequests(Predicate<Guid> anyHandleHas) {
        this.anyHandleHas = anyHandleHas;
    }

    @Override
    public void onCall(ServiceCallEvent e) {
        classify(e).ifPresent(r -> requests.merge(r.kind() + "|" + r.what() + "|" + r.caller(), r,
                (old, fresh) -> old.again()));
    }

    /** Everything asked for and not given, in the order first asked. */
    public List<UnmetRequest> list() {
        return List.copyOf(new ArrayList<>(requests.values()));
    }

    Optional<UnmetRequest> classify(ServiceCallEvent e) {
        String status = e.status();
        if (e.outputs().contains(NOT_IMPLEMENTED)) {
            return Optional.of(of(e, UnmetRequest.Kind.UNIMPLEMENTED_SERVICE, e.service() + "(" + String.join(", ",
                    e.arguments()) + ")"));
        }
        boolean notFound = status.equals("EFI_NOT_FOUND");
        boolean unsupported = status.equals("EFI_UNSUPPORTED");
        switch (e.service()) {
            case "LocateProtocol", "LocateDevicePath" -> {
                return notFound ? protocol(e, 0) : Optional.empty();
            }
            case "HandleProtocol", "OpenProtocol" -> {
                return notFound || unsupported ? protocol(e, 1) : Optional.empty();
            }
            case "LocateHandle", "LocateHandleBuffer" -> {
                return notFound && e.arguments().size() > 1 && e.arguments().get(0).equals("ByProtocol")
                        ? protocol(e, 1) : Optional.empty();
            }
            case "GetVariable" -> {
                if (!notFound || e.arguments().size() < 2) {
                    return Optional.empty();
                }
                return Optional.of(of(e, UnmetRequest.Kind.VARIABLE_NOT_FOUND, e.arguments().get(0) + " of "
                        + KnownGuids.describe(e.arguments().get(1))));
            }
            case "File.Open" -> {
                return notFound && e.arguments().size() > 2
                        ? Optional.of(of(e, UnmetRequest.Kind.FILE_NOT_FOUND, e.arguments().get(2))) : Optional.empty();
            }
            case "LoadImage" -> {
                return notFound ? Optional.of(of(e, UnmetRequest.Kind.FILE_NOT_FOUND,
                        String.join(", ", e.arguments()))) : Optional.empty();
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private Optional<UnmetRequest> protocol(ServiceCallEvent e, int index) {
        if (e.arguments().size() <= index) {
            return Optional.empty();
        }
        String arg = e.arguments().get(index);
        Optional<Guid> g = KnownGuids.parse(arg);
        boolean elsewhere = g.isPresent() && anyHandleHas.test(g.get());
        UnmetRequest.Kind kind = elsewhere ? UnmetRequest.Kind.PROTOCOL_NOT_ON_HANDLE : UnmetRequest.Kind.PROTOCOL_NOT_FOUND;
        String what = KnownGuids.describe(arg) + (elsewhere && index > 0 ? " on handle " + e.arguments().get(0) : "");
        return Optional.of(of(e, kind, what));
    }

    private static UnmetRequest of(ServiceCallEvent e, UnmetRequest.Kind kind, String what) {
        return new UnmetRequest(kind, e.service(), what, e.status(), e.caller(), e.callerRip(), e.sequence(), 1);
    }
}
