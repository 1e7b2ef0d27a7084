#!/bin/sh
# Run from the repository root after: mvn -B -q package -pl early-alloc -am -DskipTests
# one measurement: gdb's reverse-stepi at the ExitBootServices stub of efi-pages-any.efi
OUT=$(mktemp)
java -jar early-alloc/target/efiemu-cli.jar debug --platform ovmf-q35-2g --payload early-alloc/target/classes/payloads/efi-pages-any.efi --gdb 0 > "$OUT" 2>&1 &
sleep 3
PORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$OUT" | head -1)
gdb -batch -nx -ex 'set architecture i386:x86-64' -ex "target remote 127.0.0.1:$PORT" \
  -ex 'monitor break ExitBootServices' -ex continue -ex 'monitor where' \
  -ex 'python import time; t=time.time(); gdb.execute("reverse-stepi"); print("reverse-stepi %.3f s" % (time.time()-t))' \
  -ex 'python import time; t=time.time(); gdb.execute("stepi"); print("stepi %.3f s" % (time.time()-t))' \
  -ex 'python import time; t=time.time(); gdb.execute("reverse-continue"); print("reverse-continue %.3f s" % (time.time()-t))' \
  -ex 'monitor where' -ex kill
wait
rm -f "$OUT"
