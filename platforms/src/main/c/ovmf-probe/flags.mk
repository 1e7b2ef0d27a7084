# ovmf-probe: a reproducible image (no link timestamp), so the sha256 in a capture log names the exact probe.
# The linked ImageBase stays at the default 0x10000000; OVMF loads the probe there when that range is free.
EXTRA_LDFLAGS := --no-insert-timestamp
