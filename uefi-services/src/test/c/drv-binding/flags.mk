# a boot service driver (PE subsystem 11, EFI_BOOT_SERVICE_DRIVER)
EXTRA_LDFLAGS := --subsystem 11
