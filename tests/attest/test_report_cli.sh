#!/usr/bin/env bash
# End-to-end tests of `softsev report` against the real SNP vectors (shared/vectors/snp): every
# case verifies; tampered copies fail with the documented exit code and a message naming the
# field or certificate; checks and policy files pass and fail as they should. TAP output.
set -u
S=${SOFTSEV_BIN:?SOFTSEV_BIN not set}
V=${SOFTSEV_VECTORS:?SOFTSEV_VECTORS not set}/snp
C=$V/cases
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# expect CODE "MESSAGE-SUBSTRING" NAME -- command...: runs the command, checks exit code and that
# stdout+stderr contain the substring.
expect() {
	local code=$1 msg=$2 name=$3
	shift 4
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$code" ] && { [ -z "$msg" ] || grep -qF -- "$msg" <<<"$out"; }; then
		ok "$name"
	else
		echo "# command: $*"
		echo "# exit $rc (want $code); output:"
		sed 's/^/#   /' <<<"$out"
		not_ok "$name"
	fi
}

# flip FILE OFFSET MASK OUT
flip() {
	python3 - "$@" <<'PY'
import sys
src, off, mask, dst = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0), sys.argv[4]
b = bytearray(open(src, 'rb').read())
b[off if off >= 0 else len(b) + off] ^= mask
open(dst, 'wb').write(bytes(b))
PY
}

[ -d "$C" ] || { echo "1..1"; echo "not ok 1 - vectors missing at $C"; exit 1; }

# Time inside each VLEK's one-year validity window (vectors README: VLEKs have expired).
at_for() {
	case $1 in
	11-*) echo 2024-12-01 ;;
	12-*) echo 2025-06-01 ;;
	13-*) echo 2023-12-01 ;;
	*) echo "" ;;
	esac
}

# --- every case verifies --------------------------------------------------------------------
cases=0
for d in "$C"/*/; do
	name=$(basename "$d")
	[ -f "$d/report.bin" ] || continue
	cases=$((cases + 1))
	if [ -f "$d/vcek.der" ]; then leaf=(--vcek "$d/vcek.der"); else leaf=(--vlek "$d/vlek.der"); fi
	at=$(at_for "$name")
	atopt=()
	[ -n "$at" ] && atopt=(--at "$at")
	expect 0 "OK: report" "verify $name" -- "$S" report verify "$d/report.bin" "${leaf[@]}" "${atopt[@]}"
	expect 0 "" "show $name" -- "$S" report show "$d/report.bin"
	"$S" report show "$d/report.bin" -o json >"$T/show.json" 2>&1
	if python3 -m json.tool "$T/show.json" >/dev/null; then ok "show -o json parses ($name)"; else not_ok "show -o json parses ($name)"; fi
done
[ "$cases" = 13 ] && ok "13 report cases found" || not_ok "13 report cases found (got $cases)"

# Expired VLEK without --at fails and says so.
expect 3 "expired on 2025-05-05" "expired VLEK needs --at" -- \
	"$S" report verify "$C/11-milan-v2-vlek-aws-trustee/report.bin" --vlek "$C/11-milan-v2-vlek-aws-trustee/vlek.der"

# The extended-report certificate table (case 13) as the certificate source, and extraction.
c13=$C/13-milan-v2-vlek-aws-certtable-constellation
expect 0 "signed by the VLEK" "verify with --cert-table" -- \
	"$S" report verify "$c13/report.bin" --cert-table "$c13/certtable.bin" --at 2023-12-01
expect 0 "vlek" "certs extracts the table" -- "$S" report certs "$c13/certtable.bin" -d "$T/ct" --der
if cmp -s "$T/ct/vlek.der" "$c13/vlek.der"; then ok "extracted VLEK equals vlek.der"; else not_ok "extracted VLEK equals vlek.der"; fi
expect 0 "" "certs -o json" -- "$S" report certs "$c13/certtable.bin" -d "$T/ct2" -o json
"$S" report certs "$c13/certtable.bin" -d "$T/ct2" -o json | python3 -m json.tool >/dev/null && ok "certs json parses" || not_ok "certs json parses"
expect 0 "signed by the VLEK" "verify with --certs DIR from extraction" -- \
	"$S" report verify "$c13/report.bin" --certs "$T/ct2" --at 2023-12-01

# --- JSON shows the real values of the vectors README ----------------------------------------
c01=$C/01-milan-v2-vcek-gosevguest
c02=$C/02-milan-v2-vcek-virtee
c03=$C/03-milan-v2-vcek-idblock-trustee
c10=$C/10-turin-v5-vcek-oak
"$S" report show "$c10/report.bin" -o json >"$T/c10.json"
python3 - "$T/c10.json" <<'PY' && ok "Turin JSON fields match README" || not_ok "Turin JSON fields match README"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["version"] == 5 and j["product"] == "Turin", j["product"]
t = j["reported_tcb"]
assert t["raw"] == "0x4700000002000100" and (t["fmc"], t["bl"], t["tee"], t["snp"], t["ucode"]) == (0, 1, 0, 2, 71), t
assert j["platform_info"]["raw"] == "0x67"
assert j["cpuid"] == {"family": 0x1a, "model": 0x02, "stepping": 0x01}
assert j["chip_id"].startswith("3b42092f69c656d3") and j["chip_id"][16:] == "0" * 112
assert j["current_firmware"] == "1.55.61"
assert j["signature_r"] == "fb9a3e29f9dd13e1e591a67185904cc4aff709b6daa97cb495790c256f3d1b972161055317e63953f5c1b5b19455f79b"
PY
"$S" report show "$c01/report.bin" --product milan -o json >"$T/c01.json"
python3 - "$T/c01.json" "$c01/report.bin" <<'PY' && ok "Milan v2 JSON fields match README" || not_ok "Milan v2 JSON fields match README"
import json, sys
j = json.load(open(sys.argv[1]))
raw = open(sys.argv[2], 'rb').read()
assert j["raw"] == raw.hex(), "raw bytes not passed through"
assert j["policy"]["raw"] == "0xb0000" and j["policy"]["flags"] == ["SMT", "RESERVED_MBO", "DEBUG"]
assert j["measurement"] == "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"
assert j["reported_tcb"]["raw"] == "0x4405000000000002" and j["reported_tcb"]["snp"] == 5 and j["reported_tcb"]["ucode"] == 68
assert j["current_firmware"] == "1.49.3" and j["product_source"] == "--product"
assert j["signer_info"]["signing_key_name"] == "VCEK"
PY
"$S" report show "$C/11-milan-v2-vlek-aws-trustee/report.bin" -o json >"$T/c11.json"
python3 - "$T/c11.json" <<'PY' && ok "VLEK signer info in JSON" || not_ok "VLEK signer info in JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["signer_info"]["raw"] == "0x4" and j["signer_info"]["signing_key"] == 1 and j["vmpl"] == 1
PY

# --- tampering ---------------------------------------------------------------------------------
flip "$c02/report.bin" 0x2A0 0x01 "$T/sig.bin"
expect 3 "SIGNATURE (0x2A0) does not verify" "flipped signature bit fails" -- \
	"$S" report verify "$T/sig.bin" --vcek "$c02/vcek.der"
flip "$c02/report.bin" 0x090 0x80 "$T/meas.bin"
expect 3 "SIGNATURE (0x2A0) does not verify" "flipped measurement bit fails" -- \
	"$S" report verify "$T/meas.bin" --vcek "$c02/vcek.der"
flip "$c02/vcek.der" -1 0x01 "$T/vcek-bad.der"
expect 3 "VCEK 'SEV-VCEK': signature does not verify with the ASK 'SEV-Milan'" "flipped certificate byte fails" -- \
	"$S" report verify "$c02/report.bin" --vcek "$T/vcek-bad.der"
expect 3 "belongs to another chip" "VCEK of another chip fails" -- \
	"$S" report verify "$c02/report.bin" --vcek "$c03/vcek.der"
expect 3 "is not the built-in AMD root 'ARK-Milan'" "wrong product's ARK fails" -- \
	"$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --ark "$V/ca/genoa/ark.pem"
expect 3 "ASK CN is 'SEV-Genoa', expected 'SEV-Milan'" "wrong product's ASK fails" -- \
	"$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --ask "$V/ca/genoa/ask.pem"
flip "$V/ca/milan/ask.pem" -30 0x01 "$T/ask-bad.pem"
expect 3 "ASK 'SEV-Milan': signature does not verify with the ARK 'ARK-Milan'" "tampered ASK fails" -- \
	"$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --ask "$T/ask-bad.pem"
expect 0 "OK" "explicit real ARK and ASK pass" -- \
	"$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --ark "$V/ca/milan/ark.pem" --ask "$V/ca/milan/ask.pem"
expect 3 "does not match REPORTED_TCB" "VCEK of another TCB fails" -- \
	"$S" report verify "$c01/report.bin" --vcek "$c02/vcek.der"
expect 3 "VCEK productName 'Milan-B0' (1.3.6.1.4.1.3704.1.2) is not Genoa" "VCEK of another product fails" -- \
	"$S" report verify "$C/07-genoa-v3-vcek-azure-idblock-trustee/report.bin" --vcek "$c02/vcek.der"

# --- CRLs (real, ARK-signed; the Genoa one revokes serial 0x20001) -----------------------------
c07=$C/07-genoa-v3-vcek-azure-idblock-trustee
expect 0 "CRL checked" "Genoa CRL inside its window passes" -- \
	"$S" report verify "$c07/report.bin" --vcek "$c07/vcek.der" --crl "$V/crl/genoa.vcek.crl.pem" --at 2025-06-01
expect 3 "CRL is stale" "stale CRL fails" -- \
	"$S" report verify "$c07/report.bin" --vcek "$c07/vcek.der" --crl "$V/crl/genoa.vcek.crl.pem"
expect 3 "CRL issuer is not the ARK 'ARK-Milan'" "another product's CRL fails" -- \
	"$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --crl "$V/crl/genoa.vcek.crl.pem" --at 2025-06-01
expect 0 "CRL checked" "Milan CRL passes" -- \
	"$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --crl "$V/crl/milan.vcek.crl.pem" --at 2025-06-01
python3 - "$V/crl/milan.vcek.crl.pem" "$T/crl-bad.pem" <<'PY'
import base64, sys
t = open(sys.argv[1]).read().split('\n')
body = ''.join(l for l in t if l and not l.startswith('-----'))
der = bytearray(base64.b64decode(body)); der[-1] ^= 1
b = base64.b64encode(bytes(der)).decode()
open(sys.argv[2], 'w').write('-----BEGIN X509 CRL-----\n' + '\n'.join(b[i:i+64] for i in range(0, len(b), 64)) + '\n-----END X509 CRL-----\n')
PY
expect 3 "CRL signature does not verify" "tampered CRL fails" -- \
	"$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --crl "$T/crl-bad.pem" --at 2025-06-01

# A full extended-report table (ARK, ASK, VCEK of Turin case 10) built here: extract, then verify
# from the directory and from the table itself; the same table with Genoa's ARK must fail.
mktable() {
	python3 - "$@" <<'PY'
import base64, struct, sys
out, parts = sys.argv[1], sys.argv[2:]
guid = {'ark': 'c0b406a4-a803-4952-9743-3fb6014cd0ae', 'ask': '4ab7b379-bbac-4fe4-a02f-05aef327c782',
        'vcek': '63da758d-e664-4564-adc5-f4b93be8accd'}
def der(path):
    data = open(path, 'rb').read()
    if not data.startswith(b'-----'):
        return data
    text = data.decode().split('-----END')[0]
    return base64.b64decode(''.join(l.strip() for l in text.splitlines() if l.strip() and not l.startswith('-----')))
blobs = [(p.split('=')[0], der(p.split('=')[1])) for p in parts]
off = 24 * (len(blobs) + 1)
ents, body = b'', b''
for kind, b in blobs:
    ents += bytes.fromhex(guid[kind].replace('-', '')) + struct.pack('<II', off, len(b))
    off += len(b)
    body += b
open(out, 'wb').write(ents + bytes(24) + body)
PY
}
mktable "$T/turin.table" ark="$V/ca/turin/ark.pem" ask="$V/ca/turin/ask.pem" vcek="$c10/vcek.der"
expect 0 "vcek" "certs extracts ARK, ASK and VCEK" -- "$S" report certs "$T/turin.table" -d "$T/turin"
expect 0 "ARK-Turin verified" "verify --certs DIR of the extracted table" -- \
	"$S" report verify "$c10/report.bin" --certs "$T/turin"
expect 0 "ARK-Turin verified" "verify --cert-table" -- "$S" report verify "$c10/report.bin" --cert-table "$T/turin.table"
mktable "$T/bad.table" ark="$V/ca/genoa/ark.pem" ask="$V/ca/turin/ask.pem" vcek="$c10/vcek.der"
expect 3 "ARK 'ARK-Genoa' is not the built-in AMD root 'ARK-Turin'" "table with another product's ARK fails" -- \
	"$S" report verify "$c10/report.bin" --cert-table "$T/bad.table"
python3 - "$c02/report.bin" "$T/masked.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[0x1A0:0x1E0] = bytes(64); open(sys.argv[2], 'wb').write(bytes(b))
PY
expect 3 "CHIP_ID (0x1A0) is zero" "masked CHIP_ID cannot bind a VCEK" -- "$S" report verify "$T/masked.bin" --vcek "$c02/vcek.der"
truncate -s 2M "$T/huge.bin"
expect 1 "" "oversized report file: exit 1" -- "$S" report show "$T/huge.bin"

# --- missing certificates and misuse ------------------------------------------------------------
expect 4 "no VCEK or VLEK certificate given" "no certificate: exit 4" -- "$S" report verify "$c02/report.bin"
expect 4 "signed by the VLEK" "VLEK report with a VCEK: exit 4" -- \
	"$S" report verify "$C/11-milan-v2-vlek-aws-trustee/report.bin" --vcek "$c02/vcek.der" --at 2024-12-01
expect 4 "" "missing certificate file: exit 4" -- "$S" report verify "$c02/report.bin" --vcek "$T/nope.der"
expect 2 "" "unknown flag: exit 2" -- "$S" report verify "$c02/report.bin" --bogus
expect 2 "measurement" "bad hex: exit 2" -- "$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --measurement zz
expect 2 "--at" "bad time: exit 2" -- "$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --at yesterday
expect 2 "" "two certificate sources: exit 2" -- "$S" report verify "$c02/report.bin" --vcek "$c02/vcek.der" --certs "$T"
expect 1 "expected 1184" "truncated report: exit 1" -- "$S" report show "$V/ca/milan/ark.pem"
expect 5 "CPUID" "--product contradicting CPUID: exit 5" -- \
	"$S" report verify "$C/04-milan-v3-vcek-oak/report.bin" --vcek "$C/04-milan-v3-vcek-oak/vcek.der" --product genoa

# --- checks as flags -----------------------------------------------------------------------------
m01=b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01
v01=(--vcek "$c01/vcek.der")
expect 0 "1 policy check passed" "--measurement matches" -- "$S" report verify "$c01/report.bin" "${v01[@]}" --measurement $m01
expect 5 "MEASUREMENT (0x090)" "--measurement mismatch: exit 5" -- \
	"$S" report verify "$c01/report.bin" "${v01[@]}" --measurement "${m01%?}0"
expect 0 "" "--report-data matches" -- "$S" report verify "$c01/report.bin" "${v01[@]}" \
	--report-data "$(printf '0102030405%0118d' 0)"
expect 5 "REPORT_DATA (0x050)" "--report-data mismatch" -- "$S" report verify "$c01/report.bin" "${v01[@]}" \
	--report-data "$(printf '0002030405%0118d' 0)"
expect 5 "HOST_DATA (0x0C0)" "--host-data mismatch" -- "$S" report verify "$c01/report.bin" "${v01[@]}" \
	--host-data 0100000000000000000000000000000000000000000000000000000000000000
expect 5 "forbidden bits 0x80000" "--forbid-policy-bits DEBUG on a debug guest" -- \
	"$S" report verify "$c01/report.bin" "${v01[@]}" --forbid-policy-bits 0x80000
expect 0 "" "--require-policy-bits SMT" -- "$S" report verify "$c01/report.bin" "${v01[@]}" --require-policy-bits 0x30000
expect 5 "lacks required bits 0x100000" "--require-policy-bits SINGLE_SOCKET" -- \
	"$S" report verify "$c01/report.bin" "${v01[@]}" --require-policy-bits 0x100000
v03=(--vcek "$c03/vcek.der")
expect 0 "6 policy checks passed" "ID block checks match (case 03)" -- "$S" report verify "$c03/report.bin" "${v03[@]}" \
	--family-id 01000000000000000000000000000000 --image-id 02000000000000000000000000000000 \
	--id-key-digest 0356215882a825279a85b300b0b742931d113bf7e32dde2e50ffde7ec743ca491ecdd7f336dc28a6e0b2bb57af7a44a3 \
	--author-key-digest 000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 \
	--min-guest-svn 4 --vmpl 0
expect 5 "IMAGE_ID (0x020)" "--image-id mismatch" -- "$S" report verify "$c03/report.bin" "${v03[@]}" \
	--image-id 03000000000000000000000000000000
expect 5 "FAMILY_ID (0x010)" "--family-id mismatch" -- "$S" report verify "$c03/report.bin" "${v03[@]}" \
	--family-id 00000000000000000000000000000000
expect 5 "ID_KEY_DIGEST (0x0E0)" "--id-key-digest mismatch" -- "$S" report verify "$c03/report.bin" "${v03[@]}" \
	--id-key-digest 000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
expect 5 "AUTHOR_KEY_DIGEST (0x110)" "--author-key-digest mismatch" -- "$S" report verify "$c03/report.bin" "${v03[@]}" \
	--author-key-digest 010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
expect 5 "GUEST_SVN (0x004) 4 is below the minimum 5" "--min-guest-svn" -- "$S" report verify "$c03/report.bin" "${v03[@]}" --min-guest-svn 5
v02=(--vcek "$c02/vcek.der")
expect 0 "" "--min-tcb components met" -- "$S" report verify "$c02/report.bin" "${v02[@]}" --min-tcb bl=3,tee=0,snp=8,ucode=115
expect 0 "" "--min-tcb raw met" -- "$S" report verify "$c02/report.bin" "${v02[@]}" --min-tcb 0x7308000000000003
expect 5 "REPORTED_TCB (0x180) ucode SVN 115 is below the minimum 116" "--min-tcb not met" -- \
	"$S" report verify "$c02/report.bin" "${v02[@]}" --min-tcb ucode=116
expect 5 "LAUNCH_TCB (0x1F0) snp SVN 8 is below the minimum 9" "--min-launch-tcb not met" -- \
	"$S" report verify "$c02/report.bin" "${v02[@]}" --min-launch-tcb snp=9
expect 0 "" "--min-build met (1.52.4)" -- "$S" report verify "$c02/report.bin" "${v02[@]}" --min-build 4
expect 5 "CURRENT_BUILD (0x1E8) 4 is below the minimum build 5" "--min-build not met" -- \
	"$S" report verify "$c02/report.bin" "${v02[@]}" --min-build 5
expect 5 "VMPL (0x030) is 1, policy requires 0" "--vmpl mismatch (VLEK case 11)" -- \
	"$S" report verify "$C/11-milan-v2-vlek-aws-trustee/report.bin" --vlek "$C/11-milan-v2-vlek-aws-trustee/vlek.der" --at 2024-12-01 --vmpl 0
expect 0 "" "--platform-info exact (Turin 0x67)" -- "$S" report verify "$c10/report.bin" --vcek "$c10/vcek.der" --platform-info 0x67 --min-tcb fmc=0,bl=1,snp=2,ucode=71
expect 5 "PLATFORM_INFO (0x040) is 0x67" "--platform-info mismatch" -- "$S" report verify "$c10/report.bin" --vcek "$c10/vcek.der" --platform-info 0x27
expect 5 "has forbidden bits 0x1" "--forbid-platform-bits SMT_EN" -- "$S" report verify "$c10/report.bin" --vcek "$c10/vcek.der" --forbid-platform-bits 1

# --- policy file -----------------------------------------------------------------------------------
cat >"$T/policy.json" <<JSON
{
  "measurement": "$m01",
  "min_tcb": {"bl": 2, "snp": 5, "ucode": 68},
  "vmpl": 0,
  "require_policy_bits": "0x30000",
  "min_build": 3,
  "product": "milan"
}
JSON
expect 0 "5 policy checks passed" "policy file passes" -- "$S" report verify "$c01/report.bin" "${v01[@]}" --policy-file "$T/policy.json"
expect 5 "forbidden bits 0x80000" "flag adds to the policy file" -- \
	"$S" report verify "$c01/report.bin" "${v01[@]}" --policy-file "$T/policy.json" --forbid-policy-bits 0x80000
expect 5 "MEASUREMENT (0x090)" "policy file measurement mismatch (case 02)" -- \
	"$S" report verify "$c02/report.bin" "${v02[@]}" --policy-file "$T/policy.json"
echo '{"measurment": "00"}' >"$T/typo.json"
expect 2 "unknown policy key 'measurment'" "unknown policy key: exit 2" -- \
	"$S" report verify "$c01/report.bin" "${v01[@]}" --policy-file "$T/typo.json"
echo '{"vmpl": ' >"$T/broken.json"
expect 2 "not valid JSON" "broken policy file: exit 2" -- \
	"$S" report verify "$c01/report.bin" "${v01[@]}" --policy-file "$T/broken.json"

echo "1..$n"
[ "$failed" = 0 ]
