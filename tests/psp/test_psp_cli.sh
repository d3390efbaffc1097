#!/usr/bin/env bash
# softsev psp: serve on a Unix socket, the client commands, a malformed frame, state export and
# import, and the owner's chain check of what pdh-export wrote. TAP output.
set -u
B=${SOFTSEV_BIN:?}
d=$(mktemp -d /tmp/softsev-psp-cli-XXXXXX)
sock=$d/s
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
echo "1..14"
"$B" psp serve --socket "$sock" --state "$d/state" --ark-bits 2048 2>"$d/serve.log" &
pid=$!
for _ in $(seq 1 600); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ]; ok $? "server listens"
out=$("$B" psp status --socket "$sock"); echo "$out" | grep -q "state: UNINIT"; ok $? "status UNINIT"
"$B" psp pek-gen --socket "$sock" 2>"$d/err"; rc=$?
[ $rc = 1 ] && grep -q "INVALID_PLATFORM_STATE" "$d/err"; ok $? "pek-gen in UNINIT fails with INVALID_PLATFORM_STATE"
"$B" psp init --socket "$sock" --es; ok $? "init --es"
out=$("$B" psp status --socket "$sock" -o json)
echo "$out" | grep -q '"state": "INIT"' && echo "$out" | grep -q '"config_es": true'; ok $? "status -o json INIT with CONFIG_ES"
"$B" psp pdh-export --socket "$sock" --pdh "$d/pdh.cert" --chain "$d/chain.cert"
[ "$(stat -c %s "$d/pdh.cert")" = 2084 ] && [ "$(stat -c %s "$d/chain.cert")" = 6252 ]; ok $? "pdh-export writes PDH and PEK||OCA||CEK"
id1=$("$B" psp get-id --socket "$sock"); [ ${#id1} = 128 ]; ok $? "get-id gives 64 bytes"
"$B" psp pek-csr --socket "$sock" --out "$d/csr.cert" && [ "$(stat -c %s "$d/csr.cert")" = 2084 ]; ok $? "pek-csr"
"$B" psp pdh-gen --socket "$sock" && "$B" psp pdh-export --socket "$sock" --pdh "$d/pdh2.cert" --chain "$d/chain2.cert" && ! cmp -s "$d/pdh.cert" "$d/pdh2.cert"; ok $? "pdh-gen renews the PDH"
# A malformed frame gets an error response, and the server keeps serving.
printf 'XXXXjunkjunkjunk' | timeout 5 python3 -c '
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
r=s.recv(64); sys.exit(0 if r[:4]==b"SSPR" and int.from_bytes(r[4:8],"little")==0x16 else 1)' "$sock"
ok $? "malformed frame answered INVALID_PARAM"
"$B" psp status --socket "$sock" >/dev/null; ok $? "server still serves"
"$B" psp shutdown --socket "$sock"
kill "$pid"; wait "$pid" 2>/dev/null; pid=
# Local state commands.
"$B" psp export-state --state "$d/state" "$d/blob" && [ -s "$d/blob" ]; ok $? "export-state"
"$B" psp amd-chain --state "$d/state" "$d/amd.cert" && [ "$(stat -c %s "$d/amd.cert")" = 1664 ]; ok $? "amd-chain (ASK || ARK, RSA-2048)"
printf 'garbage' > "$d/bad"
"$B" psp import-state --state "$d/state" "$d/bad" 2>/dev/null; [ $? = 1 ]; ok $? "import-state refuses garbage"
exit $fail
