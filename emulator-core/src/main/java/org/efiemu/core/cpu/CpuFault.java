package org.efiemu.core.cpu;

/**
 * A processor exception as the CPU raises it (Intel SDM vol. 3A §6.15, Exception and Interrupt Reference): the
 * vector, the error code when the vector pushes one, and why it was raised.
 *
 * @param errorCode pushed on the handler's stack when {@link #hasErrorCode()}; 0 otherwise
 * @param cause what raised it, for reports ({@code "wrmsr: MSR 0xDEADBEEF is not implemented"})
 */
public record CpuFault(int vector, long errorCode, String cause) {
  public static final int DE = 0;
  public static final int UD = 6;
  public static final int DF = 8;
  public static final int TS = 10;
  public static final int NP = 11;
  public static final int SS = 12;
  public static final int GP = 13;
  public static final int PF = 14;

  /** #GP with error code 0. */
  public static CpuFault gp(String cause) {
    return new CpuFault(GP, 0, cause);
  }

  /** #UD (no error code). */
  public static CpuFault ud(String cause) {
    return new CpuFault(UD, 0, cause);
  }

  /** True for the vectors that push an error code (#DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP; SDM table 6-1). */
  public boolean hasErrorCode() {
    return hasErrorCode(vector);
  }

  static boolean hasErrorCode(int vector) {
    return vector == DF || vector == TS || vector == NP || vector == SS || vector == GP || vector == PF
        || vector == 17 || vector == 21;
  }

  /** Contributory exceptions (SDM table 6-4): #DE, #TS, #NP, #SS, #GP (and #CP). */
  static boolean contributory(int vector) {
    return vector == DE || vector == TS || vector == NP || vector == SS || vector == GP || vector == 21;
  }

  /** The mnemonic ({@code #GP}), or {@code vector N} for vectors without one. */
  public String mnemonic() {
    return mnemonic(vector);
  }

  static String mnemonic(int vector) {
    return switch (vector) {
      case 0 -> "#DE";
      case 1 -> "#DB";
      case 2 -> "NMI";
      case 3 -> "#BP";
      case 4 -> "#OF";
      case 5 -> "#BR";
      case 6 -> "#UD";
      case 7 -> "#NM";
      case 8 -> "#DF";
      case 10 -> "#TS";
      case 11 -> "#NP";
      case 12 -> "#SS";
      case 13 -> "#GP";
      case 14 -> "#PF";
      case 16 -> "#MF";
      case 17 -> "#AC";
      case 18 -> "#MC";
      case 19 -> "#XM";
      case 20 -> "#VE";
      case 21 -> "#CP";
      default -> "vector " + vector;
    };
  }

  /** {@code #GP(0)}, {@code #NP(0x6A)}, {@code #UD}. */
  public String name() {
    return !hasErrorCode() ? mnemonic() : errorCode == 0 ? mnemonic() + "(0)" : String.format("%s(0x%X)", mnemonic(), errorCode);
  }

  @Override
  public String toString() {
    return name() + ": " + cause;
  }
}
