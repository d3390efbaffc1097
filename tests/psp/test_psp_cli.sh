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
echo "1..20"
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
printf 'XXXXjunkjunkjunk' | timeout 60 python3 -c '
import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read())
r=s.recv(64); sys.exit(0 if r[:4]==b"SSPR" and int.from_bytes(r[4:8],"little")==0x16 else 1)' "$sock"
ok $? "malformed frame answered INVALID_PARAM"
"$B" psp status --socket "$sock" >/dev/null; ok $? "server still serves"
# The guest owner's side, end to end through the socket: session for the platform's PDH, a launch
# driven with raw frames, the owner checks the measurement and builds a secret packet.
"$B" psp amd-chain --state "$d/state" "$d/amd.cert"
"$B" owner session --pdh "$d/pdh2.cert" --chain "$d/chain2.cert" --amd "$d/amd.cert" --policy 0 --out "$d/own" >/dev/null
ok $? "owner session verifies the chain and writes godh.cert, session.bin, keys.bin"
python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); b[0x41c+5]^=1; open(sys.argv[2],"wb").write(b)' "$d/pdh2.cert" "$d/pdh-bad.cert"
"$B" owner session --pdh "$d/pdh-bad.cert" --chain "$d/chain2.cert" --amd "$d/amd.cert" --policy 0 --out "$d/own2" 2>/dev/null
[ $? = 3 ]; ok $? "owner session refuses a PDH whose signature does not verify (exit 3)"
cat > "$d/drive.py" <<'PY'
import socket, struct, sys, hashlib, os
sock, d, step = sys.argv[1], sys.argv[2], sys.argv[3]
def frame(cmd, buf, data=b""):
    s = socket.socket(socket.AF_UNIX); s.connect(sock)
    s.sendall(b"SSPQ" + struct.pack("<III", cmd, len(buf), len(data)) + buf + data)
    r = b""
    while True:
        c = s.recv(65536)
        if not c: break
        r += c
        if len(r) >= 20:
            bl, dl, ml = struct.unpack("<III", r[8:20])
            if len(r) >= 20 + bl + dl + ml: break
    st, bl, dl, ml = struct.unpack("<IIII", r[4:20])
    return st, r[20:20+bl], r[20+bl:20+bl+dl], r[20+bl+dl:20+bl+dl+ml]
rd = lambda n: open(os.path.join(d, n), "rb").read()
if step == "launch":
    godh, sess = rd("own/godh.cert"), rd("own/session.bin")
    st, b, _, m = frame(0x30, struct.pack("<IIQIIQI", 0, 0, 0, 0x824, 0, 0x1000, 0x80), godh.ljust(0x1000, b"\0") + sess)
    if st: sys.exit("LAUNCH_START %x %s" % (st, m))
    h = struct.unpack("<I", b[:4])[0]
    assert frame(0x21, struct.pack("<II", h, 1))[0] == 0
    fw = bytes((i * 7 + 3) & 0xff for i in range(4096))
    assert frame(0x31, struct.pack("<IIQI", h, 0, 0, 4096), fw)[0] == 0
    st, _, blob, m = frame(0x33, struct.pack("<IIQI", h, 0, 0, 0x30), bytes(0x30))
    if st: sys.exit("LAUNCH_MEASURE %x %s" % (st, m))
    open(os.path.join(d, "measure.bin"), "wb").write(blob)
    open(os.path.join(d, "digest"), "w").write(hashlib.sha256(fw).hexdigest())
    open(os.path.join(d, "handle"), "w").write(str(h))
else:
    h = int(open(os.path.join(d, "handle")).read())
    hdr, ct = rd("hdr.bin"), rd("data.bin")
    if step == "tamper":
        ct = bytes([ct[0] ^ 1]) + ct[1:]
    st, _, _, m = frame(0x34, struct.pack("<IIQIIQIIQI", h, 0, 0, 0x34, 0, 0x10000, len(ct), 0, 0x100, len(ct)), hdr.ljust(0x100, b"\0") + ct)
    print("%x" % st)
    if step == "secret":
        assert frame(0x35, struct.pack("<I", h))[0] == 0
PY
timeout 30 python3 "$d/drive.py" "$sock" "$d" launch; ok $? "LAUNCH_START with the owner's session, UPDATE_DATA, MEASURE over the socket"
"$B" owner measure-check --measure "$d/measure.bin" --keys "$d/own/keys.bin" --digest "$(cat "$d/digest")" --api 0.24 --build 15 --policy 0 >/dev/null
ok $? "owner measure-check accepts the measurement"
"$B" owner measure-check --measure "$d/measure.bin" --keys "$d/own/keys.bin" --digest "$(printf '0%.0s' $(seq 64))" --api 0.24 --build 15 --policy 0 2>/dev/null
[ $? = 5 ]; ok $? "owner measure-check refuses another digest (exit 5)"
printf 'a disk key for the guest' > "$d/secret.txt"
"$B" owner secret --keys "$d/own/keys.bin" --measure "$d/measure.bin" --secret "$d/secret.txt" --header "$d/hdr.bin" --data "$d/data.bin"
[ "$(timeout 30 python3 "$d/drive.py" "$sock" "$d" tamper)" = b ] && [ "$(timeout 30 python3 "$d/drive.py" "$sock" "$d" secret)" = 0 ]
ok $? "LAUNCH_SECRET refuses a tampered packet (BAD_MEASUREMENT), accepts the owner's"
"$B" psp shutdown --socket "$sock"
kill "$pid"; wait "$pid" 2>/dev/null; pid=
# Local state commands.
"$B" psp export-state --state "$d/state" "$d/blob" && [ -s "$d/blob" ]; ok $? "export-state"
"$B" psp amd-chain --state "$d/state" "$d/amd.cert" && [ "$(stat -c %s "$d/amd.cert")" = 1664 ]; ok $? "amd-chain (ASK || ARK, RSA-2048)"
printf 'garbage' > "$d/bad"
"$B" psp import-state --state "$d/state" "$d/bad" 2>/dev/null; [ $? = 1 ]; ok $? "import-state refuses garbage"
exit $fail
