#!/usr/bin/env bash
# softsev run: the built-in demo guest, a flat image given with --image, the guest's exit status
# as softsev's, the instruction budget and option errors. TAP output.
set -u
B=${SOFTSEV_BIN:?}
d=$(mktemp -d /tmp/softsev-run-cli-XXXXXX)
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
trap 'rm -rf "$d"' EXIT
echo "1..15"

"$B" run >"$d/out" 2>"$d/err"; rc=$?
[ $rc = 0 ] && grep -q "^Hello from softsev's demo guest, a plain guest.$" "$d/out" &&
  grep -q '^hypervisor: "SoftSEV HV  "' "$d/out" && grep -q "SEV not offered" "$d/out" &&
  grep -q '^hypercall: VMMCALL version -> "softsev1"$' "$d/out" &&
  grep -q "^work: 9592 primes below 100000, their sum 454396537$" "$d/out" &&
  ! grep -q FAIL "$d/out" && grep -q "^run: the guest exited with status 0 " "$d/err"
ok $? "default: the demo guest runs in a plain VM and exits with 0"
sed 's/^/# /' "$d/out"

"$B" run --mem 64 --max-insns 100000000 >"$d/out" 2>&1; rc=$?
[ $rc = 0 ] && grep -q "9592 primes" "$d/out"; ok $? "--mem 64 --max-insns 100000000"

# mov $42, %eax; out %eax, $0xf4: the guest's status becomes softsev's exit code.
printf '\xb8\x2a\x00\x00\x00\xe7\xf4' >"$d/exit42.bin"
"$B" run --image "$d/exit42.bin" >"$d/out" 2>"$d/err"; rc=$?
[ $rc = 42 ] && grep -q "exited with status 42" "$d/err"; ok $? "--image: exit status 42"

# mov $'A', %al; out %al, $0xe9; cli; hlt: a console byte, then a halt without status: 0.
printf '\xb0\x41\xe6\xe9\xfa\xf4' >"$d/halt.bin"
out=$("$B" run --image "$d/halt.bin" 2>"$d/err"); rc=$?
[ $rc = 0 ] && [ "$out" = A ] && grep -q "the guest halted" "$d/err"; ok $? "--image: console and HLT"

# jmp . : the budget ends the run with an error.
printf '\xeb\xfe' >"$d/loop.bin"
"$B" run --image "$d/loop.bin" --max-insns 5000 2>"$d/err"; rc=$?
[ $rc = 1 ] && grep -q "^error: .*budget of 5000 guest instructions is used up" "$d/err"
ok $? "--max-insns: the budget is an error, exit 1"

# out %al, $0x80: a port nobody serves.
printf '\xe6\x80' >"$d/port.bin"
"$B" run --image "$d/port.bin" 2>"$d/err"; rc=$?
[ $rc = 1 ] && grep -q "I/O port 0x80 (OUT, 1 byte)" "$d/err"; ok $? "unserved port: exit 1 naming it"

# SEV: the launch through the in-process AMD-SP; the owner checks the digest with softsev measure
# over the launched bytes and the measurement with softsev owner measure-check and its TIK.
mkdir "$d/owner"
"$B" run --mode sev --owner-dir "$d/owner" >"$d/out" 2>"$d/err"; rc=$?
digest=$(sed -n 's/^run: launch digest: \([0-9a-f]\{64\}\)$/\1/p' "$d/err")
[ $rc = 0 ] && grep -q "^Hello from softsev's demo guest, an SEV guest.$" "$d/out" &&
  grep -q "SEV_STATUS (MSR 0xC0010131) = 0x1: SEV" "$d/out" && grep -q "(C-bit set)" "$d/out" &&
  grep -q "9592 primes" "$d/out" && ! grep -q FAIL "$d/out" &&
  grep -q "^run: launch measurement: [0-9a-f]\{64\} mnonce [0-9a-f]\{32\}$" "$d/err" &&
  grep -q "checked the measurement with its TIK" "$d/err" && [ -n "$digest" ]
ok $? "--mode sev: the demo guest runs encrypted and the launch measurement is printed"
sed 's/^/# /' "$d/err"
[ "$("$B" measure --mode sev --ovmf "$d/owner/launched.bin")" = "$digest" ]
ok $? "--mode sev: softsev measure of the launched bytes gives the launch digest"
"$B" owner measure-check --measure "$d/owner/measurement.bin" --keys "$d/owner/keys.bin" \
  --digest "$digest" --api 0.24 --build 15 --policy 1 >"$d/out" 2>&1 &&
  grep -q "measurement matches" "$d/out" &&
  ! "$B" owner measure-check --measure "$d/owner/measurement.bin" --keys "$d/owner/keys.bin" \
    --digest "$(printf '%064d' 0)" --api 0.24 --build 15 --policy 1 >/dev/null 2>&1
ok $? "--mode sev: softsev owner measure-check accepts the measurement, and refuses another digest"

# SEV-ES: the VMSA launched too (LAUNCH_UPDATE_VMSA), every intercept of the guest a #VC served
# through the GHCB; the launched bytes end with the VMSA, so softsev measure still gives the digest.
mkdir "$d/es"
"$B" run --mode sev-es --owner-dir "$d/es" >"$d/out" 2>"$d/err"; rc=$?
digest=$(sed -n 's/^run: launch digest: \([0-9a-f]\{64\}\)$/\1/p' "$d/err")
[ $rc = 0 ] && grep -q "SEV_STATUS (MSR 0xC0010131) = 0x3: SEV SEV-ES" "$d/out" &&
  grep -q '^hypercall: VMMCALL version -> "softsev1"$' "$d/out" &&
  grep -q "9592 primes" "$d/out" && ! grep -q FAIL "$d/out" &&
  grep -q "^run: SEV-ES launch through the software AMD-SP .*policy 0x5" "$d/err" &&
  grep -q "checked the measurement with its TIK" "$d/err" && [ -n "$digest" ] &&
  [ "$(stat -c %s "$d/es/launched.bin")" = $(($(stat -c %s "$d/owner/launched.bin") + 4096)) ] &&
  [ "$("$B" measure --mode sev --ovmf "$d/es/launched.bin")" = "$digest" ]
ok $? "--mode sev-es: the demo guest runs through #VC and the GHCB; the digest covers the VMSA"
sed 's/^/# /' "$d/err"

"$B" run --mode snp 2>"$d/err"; rc=$?
[ $rc = 1 ] && grep -q "mode snp is not implemented" "$d/err"; ok $? "--mode snp: not implemented, exit 1"

"$B" run --mode bogus 2>"$d/err"; rc=$?
[ $rc = 2 ] && grep -q "^error: --mode 'bogus'" "$d/err"; ok $? "--mode bogus: exit 2"

r=0
for m in 15 17 2048 x; do "$B" run --mem $m 2>/dev/null; [ $? = 2 ] || r=1; done
"$B" run --max-insns 0 2>/dev/null; [ $? = 2 ] || r=1
"$B" run --max-insns 2>/dev/null; [ $? = 2 ] || r=1
"$B" run extra 2>/dev/null; [ $? = 2 ] || r=1
"$B" run --bogus 2>/dev/null; [ $? = 2 ] || r=1
"$B" run --policy 1 2>/dev/null; [ $? = 2 ] || r=1
"$B" run --mode sev --policy 0x100000000 2>/dev/null; [ $? = 2 ] || r=1
ok $r "bad --mem, --max-insns, --policy, arguments and options: exit 2"

"$B" run --image "$d/missing.bin" 2>"$d/err"; rc=$?
[ $rc = 1 ] && grep -q "missing.bin" "$d/err"; ok $? "--image missing: exit 1 naming the file"
: >"$d/empty.bin"; head -c $((3 * 1024 * 1024 + 1)) /dev/zero >"$d/big.bin"
"$B" run --image "$d/empty.bin" 2>/dev/null; r1=$?
"$B" run --image "$d/big.bin" 2>/dev/null; r2=$?
[ $r1 = 1 ] && [ $r2 = 1 ]; ok $? "--image empty or larger than 3 MiB: exit 1"
exit $fail
