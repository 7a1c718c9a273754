#!/bin/sh
# Check the board image against the written budget (docs/firmware.md).
# usage: size_check.sh ELF FLASH_BUDGET_BYTES RAM_BUDGET_BYTES [SIZE_TOOL]
set -eu
elf=$1 flash_budget=$2 ram_budget=$3 size=${4:-arm-none-eabi-size}
# Berkeley format: text data bss
set -- $($size -B "$elf" | awk 'NR==2 {print $1, $2, $3}')
text=$1 data=$2 bss=$3
flash=$((text + data))
ram=$((data + bss))
echo "size report: flash $flash / $flash_budget bytes ($((flash * 100 / flash_budget))%), static RAM $ram / $ram_budget bytes ($((ram * 100 / ram_budget))%), stack gets $((20480 - ram)) bytes"
fail=0
if [ "$flash" -gt "$flash_budget" ]; then echo "FLASH BUDGET EXCEEDED"; fail=1; fi
if [ "$ram" -gt "$ram_budget" ]; then echo "RAM BUDGET EXCEEDED"; fail=1; fi
exit $fail
