# drv-binding linked as an EFI_RUNTIME_DRIVER (PE subsystem 12): its sources are symbolic links to drv-binding's
EXTRA_LDFLAGS := --subsystem 12
