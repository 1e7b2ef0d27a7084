/* A 32-bit absolute address (R_X86_64_32 -> IMAGE_REL_BASED_HIGHLOW in the image); needs ImageBase < 4 GiB. */
  .section .data
  .globl sample_abs32
  .balign 8
sample_abs32:
  .long sample_table
  .long 0x41425333 /* "3SBA": marks the end of the pair for the test */
