package org.efiemu.core.dwarf;

/**
 * A line of a source file, as a DWARF line-number program names it (DWARF 5 §6.2).
 *
 * @param path the file's path as the compiler recorded it (joined with its include directory when relative)
 * @param line the line number, from 1
 */
public record SourceLine(String path, long line) {

  /** The last component of {@link #path}: {@code main.c}. */
  public String fileName() {
    return fileNameOf(path);
  }

  /** The last component of {@code path}. */
  public static String fileNameOf(String path) {
    int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
    return slash < 0 ? path : path.substring(slash + 1);
  }

  /**
   * {@code main.c:42}: the file's name without its directory, so traces stay the same on every machine whatever
   * folder the payload was built in.
   */
  @Override
  public String toString() {
    return fileName() + ":" + line;
  }
}
