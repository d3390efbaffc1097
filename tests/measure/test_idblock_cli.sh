#!/usr/bin/env bash
# softsev idblock end to end, checked with OpenSSL's command line and not with softsev's own
# verifier: the signatures in the ID auth info (firmware-abi.md §4.9: R/S 72-byte little-endian at
# 0x040 and 0x680, ID_KEY at 0x240, AUTHOR_KEY at 0x880) are converted to DER and checked with
# `openssl dgst -sha384 -verify`; the key digests are SHA-384 of the 0x404-byte key structures.
# Also: tampering gives exit 3, wrong inputs exit 2 naming the flag, bad key files exit 1 naming
# the file. Speaks TAP.
set -u
bin=${SOFTSEV_BIN:?SOFTSEV_BIN is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# Bytes [off, off+len) of file as hex, in file order or reversed (little-endian -> big-endian).
fails() { ! "$@"; }
hex_at() { dd if="$1" bs=1 skip=$(($2)) count=$(($3)) status=none | od -An -v -tx1 | tr -d ' \n'; }
rev_hex() { echo -n "$1" | fold -w2 | tac | tr -d '\n'; }
hex_to_bin() { local h=$1; printf '%b' "$(echo -n "$h" | sed 's/../\\x&/g')"; }

# Verifies the AMD signature at sig_off of auth over msg_file with pub (PEM) using openssl.
openssl_verify() { # auth sig_off msg_file pub
	local r s
	r=$(rev_hex "$(hex_at "$1" "$2" 48)")
	s=$(rev_hex "$(hex_at "$1" $(($2 + 0x48)) 48)")
	# bytes 48..71 of R and S must be zero
	[ "$(hex_at "$1" $(($2 + 48)) 24)" = "$(printf '0%.0s' {1..48})" ] || return 1
	printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "$r" "$s" >sig.conf
	openssl asn1parse -genconf sig.conf -out sig.der -noout >/dev/null 2>&1 || return 1
	openssl dgst -sha384 -verify "$4" -signature sig.der "$3" 2>&1 | grep -q '^Verified OK'
}

# The 0x404-byte AMD key structure of a PEM key, built from OpenSSL's own public point.
amd_key_struct() { # pem out
	openssl pkey -in "$1" -pubout -outform DER -out pub.der 2>/dev/null || return 1
	local size x y
	size=$(stat -c %s pub.der)
	x=$(hex_at pub.der $((size - 96)) 48)
	y=$(hex_at pub.der $((size - 48)) 48)
	{
		hex_to_bin 02000000
		hex_to_bin "$(rev_hex "$x")"
		head -c 24 /dev/zero
		hex_to_bin "$(rev_hex "$y")"
		head -c $((24 + 880)) /dev/zero
	} >"$2"
}

sha384() { openssl dgst -sha384 -r "$1" | cut -d' ' -f1; }
field() { sed -n "s/^$1: *//p" "$2"; }

if ! command -v openssl >/dev/null; then
	echo "1..1"
	echo "not ok 1 - the openssl command is needed (apt-get install openssl)"
	exit 1
fi

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out id.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out author.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pem 2>/dev/null
openssl pkey -in id.pem -pubout -out id.pub
openssl pkey -in author.pem -pubout -out author.pub
ld=$(printf '%02x' $(seq 1 48))
fam=00112233445566778899aabbccddeeff
img=ffeeddccbbaa99887766554433221100

# --- build with an author key, verify with openssl -----------------------------------------
"$bin" idblock --measurement "$ld" --id-key id.pem --author-key author.pem --family-id $fam \
	--image-id $img --svn 7 --policy 0x30000 --id-block-out block.bin --auth-info-out auth.bin \
	>out.txt 2>err.txt
check "build with an author key exits 0" test $? -eq 0
check "ID block file is 96 bytes" test "$(stat -c %s block.bin)" -eq 96
check "ID auth info file is 4096 bytes" test "$(stat -c %s auth.bin)" -eq 4096
field id-block out.txt | base64 -d >block.from64 2>/dev/null
field id-auth out.txt | base64 -d >auth.from64 2>/dev/null
check "printed id-block base64 is the ID block" cmp -s block.bin block.from64
check "printed id-auth base64 is the ID auth info" cmp -s auth.bin auth.from64
check "LD at 0x00" test "$(hex_at block.bin 0 48)" = "$ld"
check "FAMILY_ID at 0x30" test "$(hex_at block.bin 0x30 16)" = "$fam"
check "IMAGE_ID at 0x40" test "$(hex_at block.bin 0x40 16)" = "$img"
check "VERSION 1 at 0x50, GUEST_SVN 7 at 0x54, POLICY at 0x58" \
	test "$(hex_at block.bin 0x50 16)" = "01000000070000000000030000000000"
check "ID_KEY_ALGO = AUTH_KEY_ALGO = 1" test "$(hex_at auth.bin 0 8)" = "0100000001000000"
check "openssl verifies ID_BLOCK_SIG with the ID key" openssl_verify auth.bin 0x40 block.bin id.pub
dd if=auth.bin of=idkey.bin bs=1 skip=$((0x240)) count=$((0x404)) status=none
dd if=auth.bin of=authorkey.bin bs=1 skip=$((0x880)) count=$((0x404)) status=none
check "openssl verifies ID_KEY_SIG over ID_KEY with the author key" \
	openssl_verify auth.bin 0x680 idkey.bin author.pub
check "openssl rejects ID_BLOCK_SIG under the author key" \
	fails openssl_verify auth.bin 0x40 block.bin author.pub
amd_key_struct id.pem idkey.want
amd_key_struct author.pem authorkey.want
check "ID_KEY is the ID key in AMD format" cmp -s idkey.bin idkey.want
check "AUTHOR_KEY is the author key in AMD format" cmp -s authorkey.bin authorkey.want
check "id-key-digest = SHA-384 of the 0x404-byte ID key structure" \
	test "$(field id-key-digest out.txt)" = "$(sha384 idkey.want)"
check "author-key-digest = SHA-384 of the 0x404-byte author key structure" \
	test "$(field author-key-digest out.txt)" = "$(sha384 authorkey.want)"

"$bin" idblock verify --id-block block.bin --auth-info auth.bin >v.txt 2>&1
check "verify accepts the pair" test $? -eq 0
check "verify prints the same ID key digest" \
	test "$(field id-key-digest v.txt)" = "$(sha384 idkey.want)"
field id-block out.txt >block.b64
field id-auth out.txt >auth.b64
"$bin" idblock verify --id-block block.b64 --auth-info auth.b64 >/dev/null 2>&1
check "verify accepts base64 files" test $? -eq 0

# --- verify against expectations and a report --------------------------------------------------
"$bin" idblock verify --id-block block.bin --auth-info auth.bin --measurement "$ld" --policy 0x30000 \
	>/dev/null 2>&1
check "verify --measurement/--policy that match: exit 0" test $? -eq 0
"$bin" idblock verify --id-block block.bin --auth-info auth.bin --measurement "${ld:2}00" \
	>/dev/null 2>err.txt
check "verify with another --measurement: exit 5 naming it" \
	bash -c '[ $0 -eq 5 ] && grep -q -- --measurement err.txt' $?
"$bin" idblock verify --id-block block.bin --auth-info auth.bin --policy 0x70000 >/dev/null 2>err.txt
check "verify with another --policy: exit 5 naming it" \
	bash -c '[ $0 -eq 5 ] && grep -q -- --policy err.txt' $?
# A report with this block's fields: real report 03 (attestation.md §2 offsets) patched by hand.
vec=${SOFTSEV_VECTORS:?SOFTSEV_VECTORS is not set}/snp/cases/03-milan-v2-vcek-idblock-trustee/report.bin
cp "$vec" report.bin 2>/dev/null
check "real report 03 is present" test "$(stat -c %s report.bin 2>/dev/null)" = 1184
patch() { hex_to_bin "$2" | dd of=report.bin bs=1 seek=$(($1)) conv=notrunc status=none; }
"$bin" idblock verify --id-block block.bin --auth-info auth.bin --report report.bin >/dev/null 2>err.txt
check "the real report 03 does not carry this ID block: exit 5 naming MEASUREMENT" \
	bash -c '[ $0 -eq 5 ] && grep -q MEASUREMENT err.txt' $?
patch 0x004 07000000
patch 0x008 0000030000000000
patch 0x010 $fam
patch 0x020 $img
patch 0x048 01
patch 0x090 "$ld"
patch 0x0E0 "$(sha384 idkey.want)"
patch 0x110 "$(sha384 authorkey.want)"
"$bin" idblock verify --id-block block.bin --auth-info auth.bin --report report.bin >/dev/null 2>err.txt
check "a report carrying this ID block matches" test $? -eq 0
patch 0x020 "${img:2}00"
"$bin" idblock verify --id-block block.bin --auth-info auth.bin --report report.bin >/dev/null 2>err.txt
check "a report with another IMAGE_ID: exit 5 naming IMAGE_ID" \
	bash -c '[ $0 -eq 5 ] && grep -q IMAGE_ID err.txt' $?
patch 0x020 $img
patch 0x048 00
"$bin" idblock verify --id-block block.bin --auth-info auth.bin --report report.bin >/dev/null 2>err.txt
check "a report without AUTHOR_KEY_EN: exit 5 naming it" \
	bash -c '[ $0 -eq 5 ] && grep -q AUTHOR_KEY_EN err.txt' $?

# --- the guest owner's flow: measure, then an ID block for that digest ----------------------
ovmf=${SOFTSEV_OVMF_DIR:-/usr/share/ovmf}/OVMF.fd
digest=$("$bin" measure --mode snp --ovmf "$ovmf" --vcpus 2 --vcpu-type EPYC-v4 2>err.txt)
check "softsev measure gives an SNP digest of $ovmf" test ${#digest} -eq 96
"$bin" idblock --measurement "$digest" --id-key id.pem --id-block-out m.blk --auth-info-out m.auth \
	>/dev/null 2>&1 &&
	"$bin" idblock verify --id-block m.blk --auth-info m.auth --measurement "$digest" >/dev/null
check "an ID block for softsev measure's digest verifies against it" test $? -eq 0

# --- JSON ------------------------------------------------------------------------------------
"$bin" idblock --measurement "$ld" --id-key id.pem -o json >out.json 2>/dev/null
check "build -o json exits 0" test $? -eq 0
check "JSON has the fields, no author key" python3 -c '
import json, sys, base64
j = json.load(open("out.json"))
assert len(base64.b64decode(j["id_block"])) == 96
assert len(base64.b64decode(j["id_auth"])) == 4096
assert j["author_key_en"] is False and j["author_key_digest"] == "0" * 96
assert j["id_key_digest"] == sys.argv[1]
' "$(sha384 idkey.want)"

# --- tampering --------------------------------------------------------------------------------
cp block.bin tampered.bin
printf '\x02' | dd of=tampered.bin bs=1 seek=$((0x50)) conv=notrunc status=none
"$bin" idblock verify --id-block tampered.bin --auth-info auth.bin >/dev/null 2>err.txt
check "a flipped byte of the ID block: exit 3" test $? -eq 3
check "... naming ID_BLOCK_SIG" grep -q ID_BLOCK_SIG err.txt
cp auth.bin tampered.bin
printf '\x55' | dd of=tampered.bin bs=1 seek=$((0x680 + 3)) conv=notrunc status=none
"$bin" idblock verify --id-block block.bin --auth-info tampered.bin >/dev/null 2>err.txt
check "a flipped byte of ID_KEY_SIG: exit 3" test $? -eq 3
check "... naming ID_KEY_SIG" grep -q ID_KEY_SIG err.txt
head -c 4000 auth.bin >short.bin
"$bin" idblock verify --id-block block.bin --auth-info short.bin >/dev/null 2>err.txt
check "a truncated auth info: exit 1" test $? -eq 1
check "... naming --auth-info" grep -q -- --auth-info err.txt

# --- wrong inputs -----------------------------------------------------------------------------
expect() { # expect CODE WORD DESCRIPTION -- ARGS...
	local code=$1 word=$2 d=$3
	shift 4
	"$bin" idblock "$@" >/dev/null 2>err.txt
	local rc=$?
	if [ $rc -eq "$code" ] && grep -q -- "$word" err.txt && grep -q '^error: ' err.txt; then
		ok "$d"
	else
		not_ok "$d (exit $rc: $(cat err.txt))"
	fi
}
expect 2 --measurement "47-byte measurement" -- --measurement "${ld:2}" --id-key id.pem
expect 2 --measurement "non-hex measurement" -- --measurement "${ld:2}zz" --id-key id.pem
expect 2 --measurement "missing measurement" -- --id-key id.pem
expect 2 --id-key "missing id key" -- --measurement "$ld"
expect 2 --family-id "short family id" -- --measurement "$ld" --id-key id.pem --family-id 0011
expect 2 --image-id "bad image id" -- --measurement "$ld" --id-key id.pem --image-id "${fam:2}xy"
expect 2 --svn "svn not a number" -- --measurement "$ld" --id-key id.pem --svn seven
expect 2 --version "version too large" -- --measurement "$ld" --id-key id.pem --version 0x100000000
expect 2 --policy "policy without bit 17" -- --measurement "$ld" --id-key id.pem --policy 0x10000
expect 2 --policy "policy not a number" -- --measurement "$ld" --id-key id.pem --policy x
expect 2 --bogus "unknown option" -- --measurement "$ld" --id-key id.pem --bogus
expect 2 -o "bad output format" -- --measurement "$ld" --id-key id.pem -o yaml
expect 1 p256.pem "P-256 ID key names the file" -- --measurement "$ld" --id-key p256.pem
expect 1 p256.pem "P-256 author key names the file" -- --measurement "$ld" --id-key id.pem \
	--author-key p256.pem
expect 1 id.pub "public-only ID key names the file" -- --measurement "$ld" --id-key id.pub
expect 1 nonexistent.pem "missing key file names the file" -- --measurement "$ld" \
	--id-key nonexistent.pem
expect 2 --id-block "verify without --id-block" -- verify --auth-info auth.bin
expect 1 --id-block "verify with a wrong-size block" -- verify --id-block short.bin --auth-info auth.bin

echo "1..$n"
[ $failed -eq 0 ]
