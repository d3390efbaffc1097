#!/usr/bin/env bash
# Reports from the emulated SNP part (a guest's /dev/sev-guest requests through SNP_GUEST_REQUEST,
# written by snp_report_tool) verified by `softsev report verify` against the emulated chain: the
# VCEK/VLEK and the ASK/ASVK come from a local `softsev kds serve`, with curl and with --kds, and
# the emulated ARK is the trust root. TAP output.
set -u
B=${SOFTSEV_BIN:?}
TOOL=${1:?usage: test_snp_report_cli.sh SNP_REPORT_TOOL}
d=$(mktemp -d /tmp/softsev-snp-report-cli-XXXXXX)
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; [ -n "${out:-}" ] && echo "$out" | sed "s/^/#   /"; fail=1; fi; }
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
echo "1..16"
"$TOOL" "$d/state" "$d/out"; ok $? "the guest gets reports at VMPL 0..3 (VCEK) and one VLEK-signed"
"$B" kds serve --state "$d/state" --listen 127.0.0.1:0 --timeout 300 >"$d/kds.out" 2>"$d/kds.err" &
pid=$!
url=
for _ in $(seq 1 600); do
	url=$(sed -n 's|^listening on \(http://[^ ]*\) .*|\1|p' "$d/kds.out" 2>/dev/null)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ]; ok $? "kds serve listens ($url)"
# curl: the VCEK for the chip and REPORTED_TCB (bl=3 tee=0 snp=8 ucode=115), the ASK from cert_chain
hwid=$("$B" report show "$d/out/report-vmpl0.bin" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["chip_id"])')
[ ${#hwid} = 128 ]; ok $? "report show gives the 64-byte chip id"
curl -sf "$url/vcek/v1/Milan/$hwid?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115" -o "$d/vcek.der"; ok $? "curl fetches the VCEK"
curl -sf "$url/vcek/v1/Milan/cert_chain" -o "$d/chain.pem"; ok $? "curl fetches the cert chain"
for v in 0 1 2 3; do
	out=$("$B" report verify "$d/out/report-vmpl$v.bin" --vcek "$d/vcek.der" --ask "$d/chain.pem" \
		--trust-root "$d/out/ark.pem" --vmpl $v 2>&1)
	rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q "^OK: .*signed by the VCEK"; ok $? "VMPL $v report verifies (curl'd VCEK, --trust-root)"
done
out=$("$B" report verify "$d/out/report-vmpl2.bin" --kds "$url" --trust-root "$d/out/ark.pem" 2>&1)
[ $? = 0 ] && echo "$out" | grep -q "VCEK"; ok $? "--kds fetches the VCEK and chain"
out=$("$B" report verify "$d/out/report-vlek.bin" --kds "$url" --trust-root "$d/out/ark.pem" -o json 2>&1)
[ $? = 0 ] && echo "$out" | grep -q '"signer": "VLEK"'; ok $? "VLEK-signed report verifies through /vlek/v1 (ASVK)"
out=$("$B" report verify "$d/out/report-vmpl1.bin" --kds "$url" --trust-root "$d/out/ark.pem" --vmpl 0 2>&1)
[ $? = 5 ]; ok $? "a VMPL check that does not hold is a policy mismatch (5)"
out=$("$B" report verify "$d/out/report-vmpl0.bin" --kds "$url" 2>&1)
[ $? = 3 ]; ok $? "without --trust-root AMD's root is the anchor: the emulated chain is refused (3)"
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[0x55]^=1; open(sys.argv[2],"wb").write(b)' "$d/out/report-vmpl0.bin" "$d/bad.bin"
out=$("$B" report verify "$d/bad.bin" --kds "$url" --trust-root "$d/out/ark.pem" 2>&1)
[ $? = 3 ]; ok $? "a changed REPORT_DATA byte is a bad signature (3)"
out=$("$B" report verify "$d/out/report-vmpl0.bin" --kds "$url" --vcek "$d/vcek.der" 2>&1)
[ $? = 2 ]; ok $? "--kds with --vcek is misuse (2)"
"$B" report verify "$d/out/report-vmpl0.bin" --kds "https://kdsintf.amd.com" --trust-root "$d/out/ark.pem" >"$d/o" 2>&1
rc=$?; [ $rc = 4 ] && grep -q "http://" "$d/o"; ok $? "--kds refuses https (fetch AMD's with curl)"
exit $fail
