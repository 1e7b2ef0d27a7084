# firmware-probe: a reproducible image (no link timestamp), so the sha256 in a capture names the exact probe.
EXTRA_LDFLAGS := --no-insert-timestamp
