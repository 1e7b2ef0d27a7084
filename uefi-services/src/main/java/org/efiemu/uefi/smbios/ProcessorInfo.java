package org.efiemu.uefi.smbios;

/**
 * What an SMBIOS type 4 (Processor Information) structure says about one socket.
 *
 * @param socketDesignation e.g. {@code CPU1}
 * @param manufacturer      e.g. {@code Intel}
 * @param version           the brand string, e.g. {@code Intel(R) Xeon(R) CPU E5-2420 0 @ 1.90GHz}
 * @param cpuidSignature    CPUID leaf 1 EAX
 * @param cpuidFeatures     CPUID leaf 1 EDX
 * @param processorFamily   DSP0134 table "Processor Family" value (e.g. 0xB3 Xeon, 0xC6 Core i7; 0x01 Other)
 * @param maxSpeedMhz       maximum speed in MHz
 * @param currentSpeedMhz   current speed in MHz
 * @param coreCount         cores per socket (all enabled)
 * @param threadCount       threads per socket
 */
public record ProcessorInfo(String socketDesignation, String manufacturer, String version, int cpuidSignature,
        int cpuidFeatures, int processorFamily, int maxSpeedMhz, int currentSpeedMhz, int coreCount,
        int threadCount) {

    public ProcessorInfo {
        if (coreCount < 1 || threadCount < coreCount || threadCount > 65535) {
            throw new IllegalArgumentException("ProcessorInfo " + socketDesignation + ": " + coreCount + " cores, "
                    + threadCount + " threads; expected 1 <= cores <= threads <= 65535");
        }
        if (processorFamily < 1 || processorFamily > 0xFFFD) {
            throw new IllegalArgumentException("ProcessorInfo " + socketDesignation + ": family " + processorFamily
                    + ", expected 1..0xFFFD");
        }
    }
}
