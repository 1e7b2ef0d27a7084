/*
 * pm-timer-loop: polls the ACPI PM timer (PM_TMR at I/O 0x608, ACPI 6.5 §4.8.3.3: 24 bits at 3.579545 MHz) as a boot
 * loader calibrating its TSC does (GRUB's grub_pmtimer_wait_count_tsc), while a periodic 10 ms timer's notification
 * (UEFI 2.10 §7.1) interrupts the loop and reads the PM timer too. The reads come in every width and at different
 * places inside their blocks: 4 bytes at 0x608, 2 bytes at 0x608 and 1 byte at 0x60A, single bytes at 0x608 and
 * 0x609, and 4 bytes at 0x607 (partly outside the timer: PM1a_CNT's high byte and 3 timer bytes). It prints how many
 * rounds the loop took until 20 ms of PM-timer time passed, a hash of every value read, and the notification count.
 * NativeClockPortsPayloadTest runs it with the PM timer answered in C and in Java and compares the runs.
 */
#include "efiemu_rt.h"

static volatile UINT64 notify_hash;
static volatile UINTN notifies;

static inline UINT32 in32(UINT16 port) {
  UINT32 v;
  __asm__ __volatile__("inl %w1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline UINT16 in16(UINT16 port) {
  UINT16 v;
  __asm__ __volatile__("inw %w1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline UINT8 in8(UINT16 port) {
  UINT8 v;
  __asm__ __volatile__("inb %w1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

/* n rounds of two instructions, no memory access: moves the next read to another virtual time */
static void spin(UINT64 n) {
  __asm__ __volatile__("1: dec %0; jnz 1b" : "+r"(n) : : "cc");
}

static void EFIAPI on_tick(EFI_EVENT e, void *ctx) {
  (void)e;
  (void)ctx;
  notifies++;
  notify_hash = notify_hash * 31 + in32(0x608);
}

#define SHOW(name, expr) do { EFI_STATUS s_ = (expr); rt_printf("%s %s\n", name, rt_status_name(s_)); } while (0)

EFI_STATUS EFIAPI efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st) {
  rt_init(image, st);
  EFI_BOOT_SERVICES *bs = st->BootServices;
  EFI_EVENT tick = 0;
  SHOW("create-periodic", bs->CreateEvent(EVT_TIMER | EVT_NOTIFY_SIGNAL, TPL_CALLBACK, on_tick, NULL, &tick));
  SHOW("set-periodic-10ms", bs->SetTimer(tick, TimerPeriodic, 100000));
  UINT32 start = in32(0x608) & 0xFFFFFF;
  UINT32 want = 71591; /* 20 ms of PM-timer ticks */
  UINT64 hash = 0, rounds = 0;
  UINT32 now = start;
  while (((now - start) & 0xFFFFFF) < want) {
    UINT32 v;
    switch (rounds & 3) {
    case 0:
      v = in32(0x608);
      break;
    case 1:
      v = in16(0x608) | ((UINT32)in8(0x60A) << 16);
      break;
    case 2:
      v = in8(0x608) | ((UINT32)in8(0x609) << 8);
      v |= (UINT32)in8(0x60A) << 16;
      break;
    default:
      v = in32(0x607) >> 8;
      break;
    }
    hash = hash * 1099511628211ULL ^ v;
    now = in32(0x608) & 0xFFFFFF;
    spin(100 + (rounds % 7) * 13);
    rounds++;
  }
  SHOW("close-periodic", bs->CloseEvent(tick));
  rt_printf("pm-loop rounds %lu hash %lx notifies %lu notify-hash %lx elapsed %u\n", (unsigned long)rounds,
      (unsigned long)hash, (unsigned long)notifies, (unsigned long)notify_hash, (unsigned)((now - start) & 0xFFFFFF));
  rt_printf("pm-timer-loop end\n");
  return EFI_SUCCESS;
}
