/*
 * UINT64 gate_call(UINT64 fn, const UINT64 args[10], UINT64 *clobbered)   (System V ABI, called from C)
 *
 * Calls fn with the Microsoft x64 convention (UEFI 2.10 section 2.3.4.2): args[0..3] in RCX, RDX, R8, R9,
 * args[4..9] on the stack above the 32-byte shadow space, RSP 16-byte aligned at the call. Before the call every
 * register the convention makes callee-saved (RBX, RBP, RDI, RSI, R12-R15, XMM6-XMM15) holds a distinct canary;
 * after it, *clobbered gets one bit per register whose canary changed (bit order: see CLOBBER_NAMES in callgate.c),
 * bit 18 if RSP did not come back. Returns the callee's RAX.
 */
        .text
        .globl  gate_call
gate_call:
        push    %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        sub     $0x68, %rsp             /* 0-31 shadow, 32-79 args 4..9, 80 fn, 88 clobbered, 96 rsp copy */
        mov     %rdi, 80(%rsp)
        mov     %rdx, 88(%rsp)
        mov     %rsp, 96(%rsp)
        mov     32(%rsi), %rax
        mov     %rax, 32(%rsp)
        mov     40(%rsi), %rax
        mov     %rax, 40(%rsp)
        mov     48(%rsi), %rax
        mov     %rax, 48(%rsp)
        mov     56(%rsi), %rax
        mov     %rax, 56(%rsp)
        mov     64(%rsi), %rax
        mov     %rax, 64(%rsp)
        mov     72(%rsi), %rax
        mov     %rax, 72(%rsp)
        mov     0(%rsi), %rcx
        mov     8(%rsi), %rdx
        mov     16(%rsi), %r8
        mov     24(%rsi), %r9
        movabs  $0xCA0A11B0B0B0B001, %rbx
        movabs  $0xCA0A11B0B0B0B002, %rbp
        movabs  $0xCA0A11B0B0B0B003, %rdi
        movabs  $0xCA0A11B0B0B0B004, %rsi
        movabs  $0xCA0A11B0B0B0B005, %r12
        movabs  $0xCA0A11B0B0B0B006, %r13
        movabs  $0xCA0A11B0B0B0B007, %r14
        movabs  $0xCA0A11B0B0B0B008, %r15
        movdqa  xmm_canaries+0x00(%rip), %xmm6
        movdqa  xmm_canaries+0x10(%rip), %xmm7
        movdqa  xmm_canaries+0x20(%rip), %xmm8
        movdqa  xmm_canaries+0x30(%rip), %xmm9
        movdqa  xmm_canaries+0x40(%rip), %xmm10
        movdqa  xmm_canaries+0x50(%rip), %xmm11
        movdqa  xmm_canaries+0x60(%rip), %xmm12
        movdqa  xmm_canaries+0x70(%rip), %xmm13
        movdqa  xmm_canaries+0x80(%rip), %xmm14
        movdqa  xmm_canaries+0x90(%rip), %xmm15
        call    *80(%rsp)
        xor     %r11d, %r11d
        .macro  CHECKGPR reg, value, bit
        movabs  $\value, %r10
        cmp     %r10, \reg
        je      1f
        bts     $\bit, %r11
1:
        .endm
        CHECKGPR %rbx, 0xCA0A11B0B0B0B001, 0
        CHECKGPR %rbp, 0xCA0A11B0B0B0B002, 1
        CHECKGPR %rdi, 0xCA0A11B0B0B0B003, 2
        CHECKGPR %rsi, 0xCA0A11B0B0B0B004, 3
        CHECKGPR %r12, 0xCA0A11B0B0B0B005, 4
        CHECKGPR %r13, 0xCA0A11B0B0B0B006, 5
        CHECKGPR %r14, 0xCA0A11B0B0B0B007, 6
        CHECKGPR %r15, 0xCA0A11B0B0B0B008, 7
        .macro  CHECKXMM reg, offset, bit
        pcmpeqb xmm_canaries+\offset(%rip), \reg
        pmovmskb \reg, %r10d
        cmp     $0xFFFF, %r10d
        je      1f
        bts     $\bit, %r11
1:
        .endm
        CHECKXMM %xmm6, 0x00, 8
        CHECKXMM %xmm7, 0x10, 9
        CHECKXMM %xmm8, 0x20, 10
        CHECKXMM %xmm9, 0x30, 11
        CHECKXMM %xmm10, 0x40, 12
        CHECKXMM %xmm11, 0x50, 13
        CHECKXMM %xmm12, 0x60, 14
        CHECKXMM %xmm13, 0x70, 15
        CHECKXMM %xmm14, 0x80, 16
        CHECKXMM %xmm15, 0x90, 17
        cmp     %rsp, 96(%rsp)
        je      1f
        bts     $18, %r11
1:
        mov     88(%rsp), %r10
        mov     %r11, (%r10)
        add     $0x68, %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret

        .section .rodata
        .balign 16
xmm_canaries:
        .quad   0x5EED0006A1A1A1A1, 0x7E570006C3C3C3C3
        .quad   0x5EED0007A1A1A1A1, 0x7E570007C3C3C3C3
        .quad   0x5EED0008A1A1A1A1, 0x7E570008C3C3C3C3
        .quad   0x5EED0009A1A1A1A1, 0x7E570009C3C3C3C3
        .quad   0x5EED000AA1A1A1A1, 0x7E57000AC3C3C3C3
        .quad   0x5EED000BA1A1A1A1, 0x7E57000BC3C3C3C3
        .quad   0x5EED000CA1A1A1A1, 0x7E57000CC3C3C3C3
        .quad   0x5EED000DA1A1A1A1, 0x7E57000DC3C3C3C3
        .quad   0x5EED000EA1A1A1A1, 0x7E57000EC3C3C3C3
        .quad   0x5EED000FA1A1A1A1, 0x7E57000FC3C3C3C3
