#!/usr/bin/env bash
# softsev psp snp-launch: an SNP launch through the in-process software AMD-SP whose launch digest
# the firmware itself checks against `softsev measure --mode snp` (via the ID block). TAP output.
set -u
B=${SOFTSEV_BIN:?}
V=${SOFTSEV_VECTORS:-../shared/vectors}
ovmf=${SOFTSEV_OVMF_DIR:-/usr/share/ovmf}/OVMF.fd
d=$(mktemp -d /tmp/softsev-snp-launch-cli-XXXXXX)
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
trap 'rm -rf "$d"' EXIT
echo "1..8"
want=$("$B" measure --mode snp --ovmf "$ovmf" --vcpus 2 --vcpu-type EPYC-Milan)
out=$("$B" psp snp-launch --ovmf "$ovmf" --vcpus 2 --vcpu-type EPYC-Milan); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "^measurement: $want\$" && echo "$out" | grep -q "accepted it"
ok $? "2 vCPUs: the firmware's digest is softsev measure's ($want)"
out=$("$B" psp snp-launch --ovmf "$ovmf" --vcpus 3 --vcpu-type EPYC-v4 --vmm-type gce -o json); rc=$?
want=$("$B" measure --mode snp --ovmf "$ovmf" --vcpus 3 --vcpu-type EPYC-v4 --vmm-type gce)
[ $rc = 0 ] && echo "$out" | grep -q "\"measurement\": \"$want\"" && echo "$out" | grep -q '"firmware_agrees": true'
ok $? "gce (UNMEASURED pages), -o json"
"$B" psp snp-launch --ovmf "$ovmf" --vcpus 1 --vcpu-type EPYC-v4 --vmm-type ec2 >/dev/null; ok $? "ec2 (CPUID page last)"
# A firmware with a kernel-hashes page (vectors/measure/README.md) and a kernel, initrd, cmdline.
size=$(stat -c %s "$ovmf")
{ head -c $((size - 4096)) "$ovmf"; cat "$V/measure/ovmf_AmdSev_suffix.bin"; } >"$d/amdsev.fd"
head -c 300000 /dev/urandom >"$d/kernel"; head -c 7000 /dev/urandom >"$d/initrd"
want=$("$B" measure --mode snp --ovmf "$d/amdsev.fd" --vcpus 1 --vcpu-type EPYC-v4 --kernel "$d/kernel" --initrd "$d/initrd" --append "console=ttyS0" --guest-features 0x21)
out=$("$B" psp snp-launch --ovmf "$d/amdsev.fd" --vcpus 1 --vcpu-type EPYC-v4 --kernel "$d/kernel" --initrd "$d/initrd" --append "console=ttyS0" --guest-features 0x21); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "^measurement: $want\$"; ok $? "kernel hashes page"
# Another digest in the ID block: the firmware answers BAD_MEASUREMENT, exit 5.
"$B" psp snp-launch --ovmf "$ovmf" --vcpus 1 --vcpu-type EPYC-v4 --expect "$(printf '00%.0s' $(seq 48))" >"$d/out"; rc=$?
[ $rc = 5 ] && grep -q BAD_MEASUREMENT "$d/out"; ok $? "--expect another digest: exit 5, BAD_MEASUREMENT"
# A policy the platform refuses (no SMT): POLICY_FAILURE, exit 5.
"$B" psp snp-launch --ovmf "$ovmf" --vcpus 1 --vcpu-type EPYC-v4 --policy 0x20000 2>"$d/err"; rc=$?
[ $rc = 5 ] && grep -q "POLICY_FAILURE" "$d/err"; ok $? "policy without SMT: POLICY_FAILURE, exit 5"
"$B" psp snp-launch --ovmf "$ovmf" --vcpus 1 2>/dev/null; [ $? = 2 ]; ok $? "missing --vcpu-type: exit 2"
"$B" psp snp-launch --ovmf "$ovmf" --vcpus 1 --vcpu-type EPYC-v4 --kernel "$d/kernel" 2>"$d/err"; rc=$?
[ $rc = 1 ] && grep -q "SNP_KERNEL_HASHES" "$d/err"; ok $? "a kernel for a firmware without a hashes page: exit 1"
exit $fail
