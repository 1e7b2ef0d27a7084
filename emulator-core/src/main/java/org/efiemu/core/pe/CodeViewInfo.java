package org.efiemu.core.pe;

/**
 * The CodeView record a debug directory entry of type {@code IMAGE_DEBUG_TYPE_CODEVIEW} (2) points at
 * (PE/COFF spec §6.1.2 "Debug Type"; record layouts as EDK2's {@code PeCoffLoaderGetPdbPointer} reads them:
 * {@code RSDS} = signature, GUID, age, path; {@code NB10} = signature, offset, time stamp, age, path).
 * Debuggers use the PDB path to find symbols for the image.
 *
 * @param format "RSDS" or "NB10"
 * @param signature the GUID (RSDS, 32 hex digits in file byte order) or time stamp (NB10, 8 hex digits)
 * @param age the PDB age
 * @param pdbPath the path the linker recorded; empty when the linker recorded none
 */
public record CodeViewInfo(String format, String signature, long age, String pdbPath) {
  @Override
  public String toString() {
    return String.format("CodeView %s %s age %d pdb %s", format, signature, age,
        pdbPath.isEmpty() ? "(none)" : pdbPath);
  }
}
