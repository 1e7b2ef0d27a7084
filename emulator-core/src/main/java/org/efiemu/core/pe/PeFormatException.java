package org.efiemu.core.pe;

/**
 * A file is not a PE32+ image efiemu can load, or cannot be loaded where asked. The message names the image,
 * the structure, field or offset at fault and what was expected, e.g.
 * {@code xen.efi: section .text: raw data 0x400..0x1400 lies outside the file (size 0x1000)}.
 *
 * <p>Checked on purpose: a firmware's {@code LoadImage} must turn every malformed image into
 * {@code EFI_LOAD_ERROR} / {@code EFI_UNSUPPORTED} (UEFI 2.10 §7.4.1), never into a crash.
 */
public final class PeFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String imageName;
  private final String problem;

  public PeFormatException(String imageName, String problem) {
    super(imageName + ": " + problem);
    this.imageName = imageName;
    this.problem = problem;
  }

  /** The name the image was parsed under (usually its file name). */
  public String imageName() {
    return imageName;
  }

  /** The message without the image name. */
  public String problem() {
    return problem;
  }
}
