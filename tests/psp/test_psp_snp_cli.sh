#!/usr/bin/env bash
# softsev psp snp-*: SEV-SNP host administration over the psp serve socket (memory model with an
# RMP), the VLEK from 'softsev kds vlek-wrap' on the same state, and the committed TCB surviving
# a restart. TAP output.
set -u
B=${SOFTSEV_BIN:?}
d=$(mktemp -d /tmp/softsev-psp-snp-cli-XXXXXX)
sock=$d/s
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
start() {
	rm -f "$sock"
	"$B" psp serve --socket "$sock" --state "$d/state" --ark-bits 2048 --tcb "$1" 2>>"$d/serve.log" &
	pid=$!
	for _ in $(seq 1 600); do [ -S "$sock" ] && break; sleep 0.1; done
}
echo "1..16"
start 0x7309000000000004
[ -S "$sock" ]; ok $? "server listens"
out=$("$B" psp snp-status --socket "$sock")
echo "$out" | grep -q "state: UNINIT" && echo "$out" | grep -q "current_tcb: 0x7309000000000004"
ok $? "snp-status before SNP_INIT: UNINIT, the configured current TCB"
"$B" psp snp-commit --socket "$sock" 2>"$d/err"
[ $? = 1 ] && grep -q "INVALID_PLATFORM_STATE" "$d/err"; ok $? "snp-commit in UNINIT: INVALID_PLATFORM_STATE"
"$B" psp snp-init --socket "$sock" --rapl-dis; ok $? "snp-init"
out=$("$B" psp snp-status --socket "$sock" -o json)
echo "$out" | grep -q '"state": "INIT"' && echo "$out" | grep -q '"rmp_initialized": true' &&
	echo "$out" | grep -q 'RAPL_DIS'
ok $? "snp-status -o json: INIT, RMP initialised, RAPL_DIS (the server lends a firmware page)"
"$B" psp snp-config --socket "$sock" --reported-tcb 0x730A000000000004 2>"$d/err"
[ $? = 1 ] && grep -q "INVALID_PARAM" "$d/err" && grep -q "snp 10 > 9" "$d/err"
ok $? "snp-config above the current TCB: INVALID_PARAM naming the component"
"$B" psp snp-config --socket "$sock" --reported-tcb 0x7308000000000003 --mask-chip-id
out=$("$B" psp snp-status --socket "$sock")
echo "$out" | grep -q "reported_tcb: 0x7308000000000003" && echo "$out" | grep -q "MASK_CHIP_ID"
ok $? "snp-config lowers REPORTED_TCB and masks the chip id"
"$B" kds vlek-wrap --state "$d/state" --tcb 0x7308000000000003 -o "$d/vlek.bin" 2>/dev/null &&
	[ "$(stat -c %s "$d/vlek.bin")" = 432 ]
ok $? "kds vlek-wrap on the PSP's state writes a 432-byte wrapped VLEK"
"$B" psp snp-vlek-load --socket "$sock" "$d/vlek.bin" &&
	"$B" psp snp-status --socket "$sock" | grep -q "VLEK_EN"
ok $? "snp-vlek-load: the PSP unwraps it, status shows VLEK_EN"
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[0x40]^=1; open(sys.argv[2],"wb").write(b)' "$d/vlek.bin" "$d/bad.bin"
"$B" psp snp-vlek-load --socket "$sock" "$d/bad.bin" 2>"$d/err"
[ $? = 3 ] && grep -q "BAD_SIGNATURE" "$d/err"; ok $? "a tampered wrapped VLEK: BAD_SIGNATURE, exit 3"
head -c 100 "$d/vlek.bin" > "$d/short.bin"
"$B" psp snp-vlek-load --socket "$sock" "$d/short.bin" 2>/dev/null; [ $? = 2 ]; ok $? "a short file: usage error"
"$B" psp snp-commit --socket "$sock" &&
	"$B" psp snp-status --socket "$sock" | grep -q "reported_tcb: 0x7309000000000004"
ok $? "snp-commit: REPORTED_TCB back to the current TCB"
"$B" psp init --socket "$sock" && "$B" psp status --socket "$sock" | grep -q "state: INIT"
ok $? "the legacy platform comes up beside SNP"
"$B" psp shutdown --socket "$sock" && "$B" psp snp-shutdown --socket "$sock" &&
	out=$("$B" psp snp-status --socket "$sock") && echo "$out" | grep -q "state: UNINIT" &&
	! echo "$out" | grep -q "VLEK_EN"
ok $? "snp-shutdown: UNINIT, the VLEK forgotten"
kill "$pid"; wait "$pid" 2>/dev/null; pid=
[ "$(stat -c %s "$d/state/snp-committed")" = 16 ]; ok $? "the committed TCB is in the state directory"
start 0x7308000000000004
"$B" psp snp-init --socket "$sock" 2>"$d/err"
[ $? = 1 ] && grep -q "BAD_SVN" "$d/err" && grep -q "snp 8 < 9" "$d/err"
ok $? "after a restart on older firmware, snp-init refuses the rollback (BAD_SVN)"
exit $fail
