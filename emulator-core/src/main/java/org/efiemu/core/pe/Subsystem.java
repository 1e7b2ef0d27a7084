package org.efiemu.core.pe;

import java.util.Optional;

/**
 * The optional header's {@code Subsystem} values a UEFI firmware loads (PE/COFF spec §3.4.2 "Windows
 * Subsystem"; UEFI 2.10 §2.1.1 "UEFI Images": applications, boot service drivers and runtime drivers are
 * told apart by this field alone). EDK2's {@code CoreLoadPeImage} refuses every other value.
 */
public enum Subsystem {
  /** {@code IMAGE_SUBSYSTEM_EFI_APPLICATION}: unloaded when its entry point returns (UEFI 2.10 §2.1.2). */
  EFI_APPLICATION(10, "EFI application"),
  /** {@code IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER}: stays resident until ExitBootServices() (§2.1.3). */
  EFI_BOOT_SERVICE_DRIVER(11, "EFI boot service driver"),
  /** {@code IMAGE_SUBSYSTEM_EFI_RUNTIME_DRIVER}: stays resident after ExitBootServices() (§2.1.4). */
  EFI_RUNTIME_DRIVER(12, "EFI runtime driver");

  private final int value;
  private final String description;

  Subsystem(int value, String description) {
    this.value = value;
    this.description = description;
  }

  /** The numeric field value (10, 11 or 12). */
  public int value() {
    return value;
  }

  public String description() {
    return description;
  }

  /** The UEFI subsystem with this value, if it is one. */
  public static Optional<Subsystem> of(int value) {
    for (Subsystem s : values()) {
      if (s.value == value) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** A name for any subsystem value, for error messages (PE/COFF spec §3.4.2). */
  static String describe(int value) {
    return switch (value) {
      case 0 -> "0 (IMAGE_SUBSYSTEM_UNKNOWN)";
      case 1 -> "1 (native)";
      case 2 -> "2 (Windows GUI)";
      case 3 -> "3 (Windows CUI)";
      case 13 -> "13 (EFI ROM image)";
      default -> of(value).map(s -> value + " (" + s.description + ")").orElse(Integer.toString(value));
    };
  }

  @Override
  public String toString() {
    return description;
  }
}
