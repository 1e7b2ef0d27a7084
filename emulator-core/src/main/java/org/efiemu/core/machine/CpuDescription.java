package org.efiemu.core.machine;

import java.nio.charset.StandardCharsets;

/**
 * The processor the guest sees through CPUID (Intel SDM vol. 2A, CPUID): vendor, family/model/stepping, brand
 * string, core count, feature bits and physical address width. Every CPUID the guest executes is answered from
 * here; leaves not described read as zeros.
 *
 * @param leaf1Ecx CPUID.01H:ECX feature bits
 * @param leaf1Edx CPUID.01H:EDX feature bits
 * @param leaf7Ebx CPUID.(EAX=07H,ECX=0):EBX structured extended features
 * @param ext1Ecx CPUID.80000001H:ECX
 * @param ext1Edx CPUID.80000001H:EDX (bit 29 LM, bit 20 NX)
 */
public record CpuDescription(String vendor, int family, int model, int stepping, String brand, int cores,
    int leaf1Ecx, int leaf1Edx, int leaf7Ebx, int ext1Ecx, int ext1Edx, int physicalAddressBits) {

  public CpuDescription {
    if (vendor.getBytes(StandardCharsets.US_ASCII).length != 12) {
      throw new IllegalArgumentException("CPU vendor '" + vendor + "' must be 12 ASCII characters");
    }
    if (brand.length() > 47) throw new IllegalArgumentException("CPU brand longer than 47 characters: " + brand);
    if (cores < 1 || cores > 255) throw new IllegalArgumentException("cores " + cores + " not in 1..255");
    if (family < 0 || family > 0xFF + 0xF || model < 0 || model > 0xFF || stepping < 0 || stepping > 0xF) {
      throw new IllegalArgumentException("family/model/stepping out of range: " + family + "/" + model + "/"
          + stepping);
    }
  }

  /** A generic x86-64 Intel CPU with SSE2, TSC, PAE, NX and long mode, one core, 46 address bits. */
  public static CpuDescription genericIntel() {
    return new CpuDescription("GenuineIntel", 6, 0x3A, 9, "efiemu virtual CPU @ 2.00GHz", 1,
        0x0000_2201, 0x078B_FBFF, 0, 0x0000_0001, 0x2010_0800, 46);
  }

  /** This description with another core count. */
  public CpuDescription withCores(int n) {
    return new CpuDescription(vendor, family, model, stepping, brand, n, leaf1Ecx, leaf1Edx, leaf7Ebx, ext1Ecx,
        ext1Edx, physicalAddressBits);
  }

  /** EAX, EBX, ECX, EDX for CPUID leaf {@code eax}, sub-leaf {@code ecx}. */
  public int[] cpuid(int eax, int ecx) {
    byte[] v = vendor.getBytes(StandardCharsets.US_ASCII);
    switch (eax) {
      case 0:
        return new int[] {7, le(v, 0), le(v, 8), le(v, 4)};
      case 1: {
        int fam = Math.min(family, 0xF);
        int extFam = family > 0xF ? family - 0xF : 0;
        int a = stepping | (model & 0xF) << 4 | fam << 8 | (model >> 4) << 16 | extFam << 20;
        int b = (8 << 8) | (cores << 16);
        return new int[] {a, b, leaf1Ecx, cores > 1 ? leaf1Edx | (1 << 28) : leaf1Edx};
      }
      case 4:
        return ecx == 0 ? new int[] {((cores - 1) << 26) | 0x121, 0x01C0003F, 0x3F, 0} : new int[4];
      case 7:
        return ecx == 0 ? new int[] {0, leaf7Ebx, 0, 0} : new int[4];
      case 0x8000_0000:
        return new int[] {0x8000_0008, 0, 0, 0};
      case 0x8000_0001:
        return new int[] {0, 0, ext1Ecx, ext1Edx};
      case 0x8000_0002:
      case 0x8000_0003:
      case 0x8000_0004: {
        byte[] b = new byte[48];
        byte[] s = brand.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, b, 0, s.length);
        int o = (eax - 0x8000_0002) * 16;
        return new int[] {le(b, o), le(b, o + 4), le(b, o + 8), le(b, o + 12)};
      }
      case 0x8000_0008:
        return new int[] {physicalAddressBits | 48 << 8, 0, cores - 1, 0};
      default:
        return new int[4];
    }
  }

  private static int le(byte[] b, int o) {
    return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24;
  }
}
