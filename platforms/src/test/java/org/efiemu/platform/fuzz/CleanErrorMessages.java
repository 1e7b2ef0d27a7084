package org.efiemu.platform.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The check the fuzz targets make on an input error's message: no Java class or package name the user did not write. */
public final class CleanErrorMessages {
  /** A Java exception class or package name. */
  private static final Pattern JAVA_NAME = Pattern.compile("[A-Za-z]+Exception|\\b(java|org)\\.[a-z]+\\.");

  private CleanErrorMessages() {}

  /**
   * Asserts that {@code message} starts with {@code file:} and that every Java-looking name in it comes from the input
   * it quotes (a message that quotes a line holding "fooException" is right to show it).
   */
  public static void assertClean(String message, String file, String input) {
    assertThat(message).startsWith(file + ":").hasSizeGreaterThan(file.length() + 3);
    Matcher m = JAVA_NAME.matcher(message);
    while (m.find()) {
      assertThat(input).as("'%s' in the message %s is not the user's text", m.group(), message).contains(m.group());
    }
  }
}
