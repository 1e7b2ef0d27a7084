package org.efiemu.earlyalloc.report;

/**
 * What a strategy costs in one scenario.
 *
 * @param imageBytes           bytes the strategy adds to the image file
 * @param unusedBytesAfterInit memory it holds that is still unused after init
 * @param firmwareCalls        boot/runtime service calls made
 */
public record Costs(long imageBytes, long unusedBytesAfterInit, long firmwareCalls) {
    public Costs {
        if (imageBytes < 0 || unusedBytesAfterInit < 0 || firmwareCalls < 0) {
            throw new IllegalArgumentException("Costs must not be negative: " + imageBytes + ", " + unusedBytesAfterInit + ", " + firmwareCalls);
        }
    }
}
