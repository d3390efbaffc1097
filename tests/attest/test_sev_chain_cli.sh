#!/usr/bin/env bash
# `softsev report sev-chain show|verify` end to end on the real Naples/Rome/Milan chains in the
# file forms sev-tool and sevctl use, tampered copies (exit 3 naming the certificate), malformed
# files (exit 1 naming the field and offset), missing pieces (exit 4) and misuse (exit 2). One
# signature is also checked with OpenSSL's command line from what `show -o json` prints, so the
# decoding is not only checked against softsev's own verifier. Speaks TAP.
set -u
bin=${SOFTSEV_BIN:?SOFTSEV_BIN is not set}
vec=${SOFTSEV_VECTORS:?SOFTSEV_VECTORS is not set}/snp/sev-legacy
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
sc() { "$bin" report sev-chain "$@"; }

# expect DESCRIPTION CODE NEEDLE COMMAND...: exit code CODE and NEEDLE in stdout+stderr.
expect() {
	local d=$1 want=$2 needle=$3
	shift 3
	"$@" >out.txt 2>err.txt
	local rc=$?
	if [ "$rc" -eq "$want" ] && grep -qF -- "$needle" out.txt err.txt; then
		ok "$d"
	else
		not_ok "$d (exit $rc, want $want; looked for '$needle')"
		sed 's/^/# /' out.txt err.txt | head -20
	fi
}

flip() { # flip FILE OFFSET: xor bit 0 of the byte at OFFSET
	local b
	b=$(od -An -tu1 -j $(($2)) -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none
}

for p in naples rome milan; do
	[ -f "$vec/platform/$p/pdh.cert" ] || not_ok "fixture $vec/platform/$p/pdh.cert missing"
	cat "$vec/platform/$p/pek.cert" "$vec/platform/$p/oca.cert" "$vec/platform/$p/cek.cert" >"$p.chain"
	cat "$vec/ca/$p/ask.cert" "$vec/ca/$p/ark.cert" >"$p.askark"
	cat "$vec/platform/$p/pdh.cert" "$p.chain" >"$p.sevctl"
	cat "$p.sevctl" "$p.askark" >"$p.full"
done
Name() { case $1 in naples) echo Naples ;; rome) echo Rome ;; milan) echo Milan ;; esac; }

# ---- every real chain verifies, in every file form ----
for p in naples rome milan; do
	expect "$p: PDH + cert_chain + ask_ark verifies, AMD $(Name $p) root" 0 "AMD root: $(Name $p)" \
		sc verify --pdh "$vec/platform/$p/pdh.cert" --cert-chain "$p.chain" --ask-ark "$p.askark"
	grep -q '^chain: verified' out.txt && [ "$(grep -c ' ok$' out.txt)" -eq 7 ] &&
		ok "$p: all seven links reported ok" || not_ok "$p: all seven links reported ok"
	expect "$p: separate --ask/--ark" 0 "chain: verified" \
		sc verify --pdh "$vec/platform/$p/pdh.cert" --cert-chain "$p.chain" \
		--ask "$vec/ca/$p/ask.cert" --ark "$vec/ca/$p/ark.cert" --require-amd-root
	expect "$p: sevctl export (PDH first) + ask_ark" 0 "chain: verified" \
		sc verify --cert-chain "$p.sevctl" --ask-ark "$p.askark"
	expect "$p: sevctl export --full alone" 0 "chain: verified" sc verify --cert-chain "$p.full"
	expect "$p: owner half only" 0 "owner half only" \
		sc verify --pdh "$vec/platform/$p/pdh.cert" --cert-chain "$p.chain" --owner-only
done
expect "json verify output" 0 '"verified": true' \
	sc verify --cert-chain milan.full -o json
grep -q '"amd_root": "Milan"' out.txt && ok "json names the AMD root" || not_ok "json names the AMD root"

# ---- tampering: exit 3 naming the certificate ----
cp rome.chain t.chain && flip t.chain $((0x41c + 5))
expect "flipped PEK signature (slot 1) -> exit 3 naming PEK" 3 "PEK: signature by OCA" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain t.chain --ask-ark rome.askark
grep -q 'PEK  signed by OCA .*FAILED' out.txt && ok "text output marks the failed link" ||
	not_ok "text output marks the failed link"
cp rome.chain t.chain && flip t.chain $((2 * 0x824 + 0x14 + 3))
expect "flipped CEK key -> exit 3 naming CEK" 3 "CEK: signature by ASK" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain t.chain --ask-ark rome.askark
cp rome.askark t.askark && flip t.askark $((0x40 + 512 + 512 + 9))
expect "flipped ASK signature -> exit 3 naming ASK" 3 "ASK: signature by ARK" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain rome.chain --ask-ark t.askark
cp "$vec/platform/milan/pdh.cert" t.pdh && flip t.pdh $((0x41c + 40))
expect "flipped PDH signature -> exit 3 naming PDH" 3 "PDH: signature by PEK" \
	sc verify --pdh t.pdh --cert-chain milan.chain --ask-ark milan.askark
expect "Rome platform with Milan AMD chain -> exit 3 naming CEK" 3 "CEK: signature by ASK" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain rome.chain --ask-ark milan.askark
expect "Naples PDH with Rome chain -> exit 3 naming PDH" 3 "PDH: signature by PEK" \
	sc verify --pdh "$vec/platform/naples/pdh.cert" --cert-chain rome.chain --ask-ark rome.askark

# ---- malformed input: exit 1 naming the field and offset ----
cp rome.chain t.chain && flip t.chain $((2 * 0x824 + 0x418))
expect "CEK SIG1_ALGO broken -> exit 1 naming field and offsets" 1 \
	"certificate 3 (offset 0x1048): SIG1_ALGO (offset 0x418) is 0x100" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain t.chain --ask-ark rome.askark
head -c 3000 rome.chain >t.chain
expect "truncated cert chain -> exit 1" 1 "2084 (0x824) bytes, this is 916" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain t.chain --ask-ark rome.askark
expect "Naples ARK as AMD published it -> exit 1 saying the signature is missing" 1 \
	"SIGNATURE (offset 0x240, 256 bytes) is missing" \
	sc verify --pdh "$vec/platform/naples/pdh.cert" --cert-chain naples.chain \
	--ask "$vec/ca/naples/ask.cert" --ark "$vec/ca/naples/quirk/ark.cert.bad"
cat "$vec/ca/naples/quirk/ark.cert.bad" "$vec/ca/naples/quirk/ark.cert.sig" >naples.ark
expect "Naples ARK with its detached signature appended verifies" 0 "AMD root: Naples" \
	sc verify --pdh "$vec/platform/naples/pdh.cert" --cert-chain naples.chain \
	--ask "$vec/ca/naples/ask.cert" --ark naples.ark
expect "cert chain in the wrong order -> exit 1" 1 "holds OCA, PEK, CEK" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" \
	--cert-chain <(cat "$vec/platform/rome/oca.cert" "$vec/platform/rome/pek.cert" \
		"$vec/platform/rome/cek.cert") --ask-ark rome.askark
expect "ARK given as --ask -> exit 1" 1 "expected one ASK certificate" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain rome.chain \
	--ask "$vec/ca/rome/ark.cert" --ark "$vec/ca/rome/ark.cert"
: >empty
expect "empty file -> exit 1" 1 "empty: no certificate: empty input" sc show empty

# ---- missing pieces and misuse ----
expect "no AMD chain -> exit 4" 4 "no AMD chain (ASK, ARK)" \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain rome.chain
expect "no PDH -> exit 4" 4 "no PDH certificate" \
	sc verify --cert-chain rome.chain --ask-ark rome.askark
expect "no --cert-chain -> exit 2" 2 "needs --cert-chain" sc verify --pdh "$vec/platform/rome/pdh.cert"
expect "unknown action -> exit 2" 2 "unknown sev-chain action 'check'" sc check
expect "bad -o -> exit 2" 2 "-o takes" sc show -o yaml rome.chain
expect "missing file -> exit 1" 1 "nonexistent.cert" sc show nonexistent.cert
expect "--help" 0 "usage: softsev report sev-chain show" sc --help

# ---- show ----
expect "show decodes the whole sevctl --full file" 0 "(offset 0x26d0): ARK" sc show rome.full
[ "$(grep -c '^rome.full (offset' out.txt)" -eq 6 ] && ok "show lists six certificates" ||
	not_ok "show lists six certificates"
grep -q 'api version   0.22' out.txt && grep -q 'by ASK (0x13), RSA_SHA384 (0x101)' out.txt &&
	grep -q 'exponent    65537 (0x10001)' out.txt && ok "show decodes api version, signer, exponent" ||
	not_ok "show decodes api version, signer, exponent"
expect "show -o json" 0 '"usage": "PEK"' sc show -o json "$vec/platform/milan/pek.cert" "$vec/platform/milan/oca.cert"

# ---- the decoding agrees with OpenSSL: PEK's slot-1 signature by the OCA, from show -o json ----
if command -v openssl >/dev/null; then
	sc show -o json "$vec/platform/milan/oca.cert" >oca.json
	sc show -o json "$vec/platform/milan/pek.cert" >pek.json
	jget() { grep -m"$3" "\"$2\"" "$1" | tail -1 | sed 's/.*: "\(.*\)".*/\1/'; }
	qx=$(jget oca.json qx 1) qy=$(jget oca.json qy 1)
	r=$(jget pek.json r 1) s=$(jget pek.json s 1)
	printf 'asn1=SEQUENCE:pk\n[pk]\nalg=SEQUENCE:alg\nkey=FORMAT:HEX,BITSTRING:04%s%s\n[alg]\nid=OID:id-ecPublicKey\ncurve=OID:secp384r1\n' \
		"$qx" "$qy" >pub.conf
	printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "$r" "$s" >sig.conf
	head -c $((0x414)) "$vec/platform/milan/pek.cert" >body.bin
	if openssl asn1parse -genconf pub.conf -out pub.der -noout >/dev/null 2>&1 &&
		openssl asn1parse -genconf sig.conf -out sig.der -noout >/dev/null 2>&1 &&
		openssl dgst -sha256 -keyform DER -verify pub.der -signature sig.der body.bin 2>&1 |
		grep -q 'Verified OK'; then
		ok "openssl verifies PEK's OCA signature (SHA-256 of bytes 0..0x413) from show's output"
	else
		not_ok "openssl verifies PEK's OCA signature (SHA-256 of bytes 0..0x413) from show's output"
	fi

	# RSA-PSS: Rome's ASK by its ARK (SHA-384, salt 48) and Naples' CEK by its ASK (SHA-256,
	# salt 32), keys and signatures taken from show -o json (big-endian there).
	rsa_pub() { # json out.der: the first modulus/exponent in json as a SubjectPublicKeyInfo
		printf 'asn1=SEQUENCE:spki\n[spki]\nalg=SEQUENCE:alg\nkey=BITWRAP,SEQUENCE:rsa\n[alg]\nid=OID:rsaEncryption\nnull=NULL\n[rsa]\nn=INTEGER:0x%s\ne=INTEGER:0x%s\n' \
			"$(jget "$1" modulus 1)" "$(jget "$1" exponent 1)" >rsa.conf
		openssl asn1parse -genconf rsa.conf -out "$2" -noout >/dev/null 2>&1
	}
	pss_ok() { # what pub.der sig_hex body hash salt
		echo -n "$3" | perl -ne 'print pack("H*", $_)' >sig.bin
		if openssl dgst "-$5" -sigopt rsa_padding_mode:pss -sigopt "rsa_pss_saltlen:$6" \
			-keyform DER -verify "$2" -signature sig.bin "$4" 2>&1 | grep -q 'Verified OK'; then
			ok "openssl verifies $1 from show's output"
		else
			not_ok "openssl verifies $1 from show's output"
		fi
	}
	sc show -o json "$vec/ca/rome/ark.cert" >ark.json
	sc show -o json "$vec/ca/rome/ask.cert" >ask.json
	rsa_pub ark.json ark.der
	head -c $((0x40 + 1024)) "$vec/ca/rome/ask.cert" >askbody.bin
	pss_ok "Rome ASK by ARK (RSA-PSS SHA-384)" ark.der "$(jget ask.json signature 1)" askbody.bin sha384 48
	sc show -o json "$vec/ca/naples/ask.cert" >nask.json
	sc show -o json "$vec/platform/naples/cek.cert" >ncek.json
	rsa_pub nask.json nask.der
	pss_ok "Naples CEK by ASK (RSA-PSS SHA-256)" nask.der "$(jget ncek.json signature 1)" \
		<(head -c $((0x414)) "$vec/platform/naples/cek.cert") sha256 32
else
	not_ok "openssl command line missing (scripts/setup installs it)"
fi

# ---- json: show of an AMD certificate, verify's failed link ----
expect "show -o json of an ARK names its AMD root" 0 '"amd_root": "Turin"' sc show -o json "$vec/ca/turin/ark.cert"
cp rome.chain t.chain && flip t.chain $((0x41c + 5))
expect "verify -o json on a bad chain: exit 3" 3 '"verified": false' \
	sc verify --pdh "$vec/platform/rome/pdh.cert" --cert-chain t.chain --ask-ark rome.askark -o json
grep -q '"ok": false' out.txt && grep -q 'PEK: signature by OCA' err.txt &&
	ok "json marks the failed link, stderr names it" || not_ok "json marks the failed link, stderr names it"

echo "1..$n"
[ "$failed" -eq 0 ]
