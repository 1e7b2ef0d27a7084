/* The test protocol drv-app puts on its controllers and drv-binding drives (not a UEFI protocol). */
#ifndef DRV_BINDING_H
#define DRV_BINDING_H

#define DRV_TEST_PROTOCOL_GUID \
  { 0x6f0d7e3a, 0x51c2, 0x4b8e, { 0x9a, 0x1d, 0x3c, 0x5e, 0x7b, 0x20, 0x44, 0x91 } }
#define DRV_CHILD_PROTOCOL_GUID \
  { 0x6f0d7e3b, 0x51c2, 0x4b8e, { 0x9a, 0x1d, 0x3c, 0x5e, 0x7b, 0x20, 0x44, 0x92 } }

/* a controller's interface: its name, one letter */
typedef struct {
  UINT64 name;
} DRV_TEST_IF;

#endif
