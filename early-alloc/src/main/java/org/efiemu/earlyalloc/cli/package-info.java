/**
 * The {@code efiemu} command line (picocli): {@code matrix}, {@code run}, {@code profile} (mounted from the platforms
 * module), {@code bench}, {@code --version}. {@link org.efiemu.earlyalloc.cli.Main} is the entry point of
 * {@code early-alloc/target/efiemu-cli.jar}. Input errors are one line on stderr with exit status 2.
 */
package org.efiemu.earlyalloc.cli;
