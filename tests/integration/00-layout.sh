#!/usr/bin/env bash
# The rooms of docs/design.md: every #include runs downward (scripts/check-includes), and the
# checker itself catches an upward include in a scratch copy of the tree.
. "$(dirname "$0")/lib.sh"

out=$("$top/scripts/check-includes" 2>&1); rc=$?
[ $rc = 0 ]; _report $? "every project #include runs downward through the rooms" "$out"

scratch=$(mktemp -d)
git -C "$top" ls-files -z '*.c' '*.h' | (cd "$top" && xargs -0 cp --parents -t "$scratch")
git -C "$scratch" init -q && git -C "$scratch" add -A
sed -i '1a #include "vmm/vcpu.h"' "$scratch/vlapic/icr.c"
out=$("$top/scripts/check-includes" "$scratch" 2>&1); rc=$?
[ $rc = 1 ] && grep -q '^vlapic/icr.c:2: includes "vmm/vcpu.h"' <<<"$out"
_report $? "an upward include (vlapic -> vmm) is caught with file and line" "exit $rc: $out"
rm -rf "$scratch"
