/*
 * cpu-faults: instructions whose faults Unicorn leaves out, raised as hardware raises them. LoadOptions select the
 * case (CpuFaultsPayloadTest checks the outcome and the printed lines):
 *   rdmsr        rdmsr of MSR 0x12345678 (not implemented) -> #GP(0), firmware IDT: the run stops
 *   wrmsr        wrmsr to MSR 0xDEADBEEF                     -> #GP(0)
 *   efer         wrmsr EFER with reserved bit 1 set           -> #GP(0)
 *   cr4          mov cr4 with reserved bit 15 set             -> #GP(0)
 *   cr0pg        mov cr0 with PG = 1 and PE = 0               -> #GP(0)
 *   cr0nw        mov cr0 with NW = 1 and CD = 0               -> #GP(0)
 *   syscall      syscall with EFER.SCE = 0                    -> #UD
 *   valid        the same instructions with valid operands: no fault, the image returns
 *   guest-gp     the guest's own IDT: wrmsr to 0xDEADBEEF goes to its #GP handler, which skips the wrmsr
 *   guest-ud     the guest's own IDT: syscall goes to its #UD handler
 *   guest-df     the guest's own IDT with the #GP gate not present: #NP while delivering #GP -> #DF handler
 *   triple       lidt with limit 0, then wrmsr to 0xDEADBEEF: #GP, #GP, #DF cannot be delivered -> triple fault
 *   ud2          ud2 with the firmware IDT                    -> #UD raised by the engine: the run stops
 *   guest-ud2    the guest's own IDT: ud2 goes to its #UD handler, which skips it (2 bytes)
 *   guest-de     the guest's own IDT: div by zero goes to its #DE handler, which skips the 3-byte div
 *   guest-int    the guest's own IDT: int3 then int $0x30 reach their handlers with the RIP after the instruction
 *   ud2-triple   lidt with limit 0, then ud2: #UD, #GP, #GP -> #DF cannot be delivered -> triple fault
 *   sti-hlt      watchdog off, sti; hlt with no timer: waits forever (not "interrupts off")
 *   cli-hlt      cli; hlt: halted with interrupts off
 */
#include "efiemu_rt.h"

struct __attribute__((packed)) dtr {
  UINT16 limit;
  UINT64 base;
};

struct gate {
  UINT16 off0, sel;
  UINT8 ist, type;
  UINT16 off1;
  UINT32 off2, zero;
};

static struct gate idt[64] __attribute__((aligned(16)));
/* what the handler saw: vector, error code, the faulting RIP from its frame */
volatile UINT64 seen_vector = ~0ULL, seen_error = ~0ULL, seen_rip = ~0ULL, handled;

/* Handlers: record, skip the 2-byte faulting instruction (wrmsr/syscall), return with iretq. */
/* hidden: the address is taken PC-relative (a GOT load, which GNU ld's PE output does not build, would read the code) */
__attribute__((visibility("hidden"))) void gp_handler(void);
__attribute__((visibility("hidden"))) void ud_handler(void);
__attribute__((visibility("hidden"))) void df_handler(void);
__attribute__((visibility("hidden"))) void de_handler(void);
__attribute__((visibility("hidden"))) void bp_handler(void);
__attribute__((visibility("hidden"))) void int30_handler(void);
__attribute__((visibility("hidden"))) void do_ud2(void);
__attribute__((visibility("hidden"))) void do_div0(void);
__attribute__((visibility("hidden"))) void do_int3(void);
__attribute__((visibility("hidden"))) void do_int30(void);
/* Exceptions the engine raises itself: #DE's handler skips the 3-byte div; software interrupts resume after them. */
__asm__(".text\n"
        "de_handler:\n"
        "  movq $0, seen_vector(%rip)\n"
        "  movq $0, seen_error(%rip)\n"
        "  push %rax\n"
        "  mov 8(%rsp), %rax\n"
        "  mov %rax, seen_rip(%rip)\n"
        "  addq $3, 8(%rsp)\n"
        "  incq handled(%rip)\n"
        "  pop %rax\n"
        "  iretq\n"
        "bp_handler:\n"
        "  movq $3, seen_vector(%rip)\n"
        "  jmp soft\n"
        "int30_handler:\n"
        "  movq $0x30, seen_vector(%rip)\n"
        "soft:\n"
        "  movq $0, seen_error(%rip)\n"
        "  push %rax\n"
        "  mov 8(%rsp), %rax\n"
        "  mov %rax, seen_rip(%rip)\n"
        "  incq handled(%rip)\n"
        "  pop %rax\n"
        "  iretq\n"
        "do_ud2:\n"
        "  ud2\n"
        "  ret\n"
        "do_div0:\n"
        "  push %rdx\n"
        "  xor %ecx, %ecx\n"
        "  mov $1, %eax\n"
        "  xor %edx, %edx\n"
        "  div %rcx\n"          /* 48 F7 F1 */
        "  pop %rdx\n"
        "  ret\n"
        "do_int3:\n"
        "  int3\n"
        "  ret\n"
        "do_int30:\n"
        "  int $0x30\n"
        "  ret\n");
__asm__(".text\n"
        "gp_handler:\n"
        "  movq $13, seen_vector(%rip)\n"
        "  jmp with_error\n"
        "df_handler:\n"
        "  movq $8, seen_vector(%rip)\n"
        "with_error:\n"
        "  push %rax\n"
        "  mov 8(%rsp), %rax\n"  /* error code */
        "  mov %rax, seen_error(%rip)\n"
        "  mov 16(%rsp), %rax\n" /* RIP */
        "  mov %rax, seen_rip(%rip)\n"
        "  addq $2, 16(%rsp)\n"
        "  incq handled(%rip)\n"
        "  pop %rax\n"
        "  add $8, %rsp\n"       /* drop the error code */
        "  iretq\n"
        "ud_handler:\n"
        "  movq $6, seen_vector(%rip)\n"
        "  movq $0, seen_error(%rip)\n"
        "  push %rax\n"
        "  mov 8(%rsp), %rax\n"
        "  mov %rax, seen_rip(%rip)\n"
        "  addq $2, 8(%rsp)\n"
        "  incq handled(%rip)\n"
        "  pop %rax\n"
        "  iretq\n");

static void set_gate(int v, void (*h)(void), int present) {
  UINT64 a = (UINT64)(UINTN)h;
  UINT16 cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  idt[v].off0 = (UINT16)a;
  idt[v].sel = cs;
  idt[v].ist = 0;
  idt[v].type = present ? 0x8E : 0x0E;
  idt[v].off1 = (UINT16)(a >> 16);
  idt[v].off2 = (UINT32)(a >> 32);
  idt[v].zero = 0;
}

static struct dtr saved;

static void load_own_idt(UINT16 limit) {
  __asm__ volatile("sidt %0" : "=m"(saved));
  struct dtr d = {limit, (UINT64)(UINTN)idt};
  __asm__ volatile("lidt %0" : : "m"(d));
}

static void restore_idt(void) { __asm__ volatile("lidt %0" : : "m"(saved)); }

/* Each faulting instruction is in its own noinline function, so the test finds it by symbol. */
__attribute__((noinline)) UINT64 read_msr(UINT32 msr) {
  UINT32 lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return ((UINT64)hi << 32) | lo;
}

__attribute__((noinline)) void write_msr(UINT32 msr, UINT64 v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((UINT32)v), "d"((UINT32)(v >> 32)) : "memory");
}

__attribute__((noinline)) void write_cr4(UINT64 v) { __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }

__attribute__((noinline)) void write_cr0(UINT64 v) { __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }

__attribute__((noinline)) void do_syscall(void) { __asm__ volatile("syscall" : : : "rcx", "r11", "memory"); }

static UINT64 read_cr0(void) {
  UINT64 v;
  __asm__ volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}

static UINT64 read_cr4(void) {
  UINT64 v;
  __asm__ volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}

static int option_is(EFI_LOADED_IMAGE *li, const char *want) {
  CHAR16 *o = (CHAR16 *)li->LoadOptions;
  UINTN n = li->LoadOptionsSize / 2, i = 0;
  for (; want[i]; i++) if (i >= n || o[i] != (CHAR16)want[i]) return 0;
  return i == n || o[i] == 0;
}

static void report(const char *what) {
  rt_printf("%s: handled %lu vector %lu error 0x%lx rip 0x%lx\n", what, (unsigned long)handled,
            (unsigned long)seen_vector, (unsigned long)seen_error, (unsigned long)seen_rip);
}

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_GUID lip = LOADED_IMAGE_PROTOCOL;
  EFI_LOADED_IMAGE *li = 0;
  bs->HandleProtocol(image, &lip, (void **)&li);
  rt_printf("write_msr at 0x%lx do_syscall at 0x%lx\n", (unsigned long)(UINTN)write_msr,
            (unsigned long)(UINTN)do_syscall);
  if (option_is(li, "rdmsr")) {
    rt_printf("rdmsr\n");
    read_msr(0x12345678);
  } else if (option_is(li, "wrmsr")) {
    rt_printf("wrmsr\n");
    write_msr(0xDEADBEEF, 1);
  } else if (option_is(li, "efer")) {
    rt_printf("efer\n");
    write_msr(0xC0000080, read_msr(0xC0000080) | 2);
  } else if (option_is(li, "cr4")) {
    rt_printf("cr4\n");
    write_cr4(read_cr4() | (1u << 15));
  } else if (option_is(li, "cr0pg")) {
    rt_printf("cr0pg\n");
    write_cr0(read_cr0() & ~1ULL);
  } else if (option_is(li, "cr0nw")) {
    rt_printf("cr0nw\n");
    write_cr0((read_cr0() | (1u << 29)) & ~(1ULL << 30));
  } else if (option_is(li, "syscall")) {
    rt_printf("syscall\n");
    do_syscall();
  } else if (option_is(li, "valid")) {
    UINT64 efer = read_msr(0xC0000080);
    write_msr(0xC0000080, efer);
    UINT64 t0 = read_msr(0x10);
    UINT64 apic = read_msr(0x1B);
    write_cr4(read_cr4());
    write_cr0(read_cr0());
    write_msr(0xC0000081, 0); /* STAR */
    UINT64 t1 = read_msr(0x10);
    rt_printf("valid: efer 0x%lx apic 0x%lx tsc advances %d\n", (unsigned long)efer, (unsigned long)apic, t1 > t0);
  } else if (option_is(li, "guest-gp")) {
    set_gate(13, gp_handler, 1);
    load_own_idt(sizeof idt - 1);
    write_msr(0xDEADBEEF, 1);
    restore_idt();
    report("guest-gp");
  } else if (option_is(li, "guest-ud")) {
    set_gate(6, ud_handler, 1);
    load_own_idt(sizeof idt - 1);
    do_syscall();
    restore_idt();
    report("guest-ud");
  } else if (option_is(li, "guest-df")) {
    set_gate(13, gp_handler, 0);
    set_gate(8, df_handler, 1);
    load_own_idt(sizeof idt - 1);
    write_msr(0xDEADBEEF, 1);
    restore_idt();
    report("guest-df");
  } else if (option_is(li, "triple")) {
    rt_printf("triple\n");
    load_own_idt(0);
    write_msr(0xDEADBEEF, 1);
    restore_idt();
    rt_printf("never printed\n");
  } else if (option_is(li, "ud2")) {
    rt_printf("ud2\n");
    do_ud2();
    rt_printf("never printed\n");
  } else if (option_is(li, "guest-ud2")) {
    set_gate(6, ud_handler, 1);
    load_own_idt(sizeof idt - 1);
    do_ud2();
    restore_idt();
    report("guest-ud2");
  } else if (option_is(li, "guest-de")) {
    set_gate(0, de_handler, 1);
    load_own_idt(sizeof idt - 1);
    do_div0();
    restore_idt();
    report("guest-de");
  } else if (option_is(li, "guest-int")) {
    set_gate(3, bp_handler, 1);
    set_gate(0x30, int30_handler, 1);
    load_own_idt(sizeof idt - 1);
    do_int3();
    report("guest-int3");
    do_int30();
    restore_idt();
    report("guest-int30");
  } else if (option_is(li, "ud2-triple")) {
    rt_printf("ud2-triple\n");
    load_own_idt(0);
    do_ud2();
    restore_idt();
    rt_printf("never printed\n");
  } else if (option_is(li, "sti-hlt")) {
    bs->SetWatchdogTimer(0, 0, 0, 0);
    rt_printf("sti-hlt\n");
    __asm__ volatile("sti; hlt");
    rt_printf("woke up\n");
  } else if (option_is(li, "cli-hlt")) {
    rt_printf("cli-hlt\n");
    __asm__ volatile("cli; hlt");
  }
  return EFI_SUCCESS;
}
