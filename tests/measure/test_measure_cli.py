#!/usr/bin/env python3
"""softsev measure end to end (TAP): Debian's real firmware in every mode and Debian's real kernel
in the synthetic 2 MiB AmdSev image (measurement.md §6), each digest cross-checked against an
independent Python computation (oracle.py) that is itself first checked against the reference's
vectors (§7); then the CLI's flags, errors and exit codes. Missing fixtures fail."""
import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

BIN = os.environ.get("SOFTSEV_BIN", "softsev")
VEC = os.path.join(os.environ.get("SOFTSEV_VECTORS", "../shared/vectors"), "measure")
OVMF_DIR = os.environ.get("SOFTSEV_OVMF_DIR") or "/usr/share/ovmf"
KERNEL = os.environ.get("SOFTSEV_KERNEL", "")

results = []


def ok(cond, name, detail=""):
    results.append((bool(cond), name, detail))
    return cond


def run(*args):
    p = subprocess.run([BIN, "measure", *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def digest(*args):
    rc, out, err = run(*args)
    if rc != 0:
        return "rc=%d %s" % (rc, err.strip())
    return out.strip()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def find_fw(name):
    for d in (OVMF_DIR, os.path.join(os.path.dirname(OVMF_DIR.rstrip("/")), "OVMF"),
              "/usr/share/OVMF", "/usr/share/ovmf"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return None


def sig_args(sig):
    return ["--vcpu-sig", hex(sig)] if sig is not None else []


def check_case(name, fw_path, fw, mode, vcpus=None, sig=0x800F12, vmm="QEMU", kernel=None,
               initrd=None, append=None, gf=None, extra=()):
    args = ["--mode", mode, "--ovmf", fw_path]
    if vcpus is not None:
        args += ["--vcpus", str(vcpus)]
    if mode != "sev" and vmm == "QEMU":
        args += sig_args(sig)
    args += ["--vmm-type", vmm]
    kw = dict(vcpus=vcpus or 0, sig=sig or 0, vmm=vmm)
    if kernel:
        args += ["--kernel", kernel]
        kw["kernel"] = read(kernel)
    if initrd:
        args += ["--initrd", initrd]
        kw["initrd"] = read(initrd)
    if append is not None:
        args += ["--append", append]
        kw["append"] = append
    if gf is not None:
        args += ["--guest-features", hex(gf)]
        kw["features"] = gf
    args += list(extra)
    want = oracle.compute(mode, fw, **kw).hex()
    got = digest(*args)
    return ok(got == want, name, "got %s want %s" % (got, want))


def build_table(entries):
    """A footer GUID table (measurement.md §1.2) to append to an image, followed by 32 tail
    bytes: entries are (guid_bytes, data)."""
    body = b""
    for guid, data in entries:
        body += data + struct.pack("<H", len(data) + 18) + guid
    return body + struct.pack("<H", len(body) + 18) + oracle.FOOTER + bytes(32)


def synth_svsm(pages, entry):
    """An SVSM-like binary: pages of pattern, an ASEV block, and a footer table with SVSM_INFO and
    the metadata offset (the layout of COCONUT-SVSM's svsm.bin, measurement.md §4.4)."""
    size = pages * 4096
    img = bytearray((i * 7 + 3) & 0xFF for i in range(size))
    sections = [(0x0, 0x9E000, 1), (0x9E000, 0x1000, 2), (0x9F000, 0x1000, 3)]
    meta = struct.pack("<4sIII", b"ASEV", 16 + 12 * len(sections), 1, len(sections))
    meta += b"".join(struct.pack("<III", *s) for s in sections)
    meta_off = size - 4096 + 256  # inside the last page
    table = build_table([(oracle.META_DATA, struct.pack("<I", size - meta_off)),
                         (oracle.SVSM_INFO, struct.pack("<I", entry))])
    img[meta_off:meta_off + len(meta)] = meta
    img[size - len(table):] = table
    return bytes(img)


def main():
    tmp = tempfile.mkdtemp(prefix="ss-measure-")
    amd_path = os.path.join(VEC, "ovmf_AmdSev_suffix.bin")
    x64_path = os.path.join(VEC, "ovmf_OvmfX64_suffix.bin")
    if not ok(os.path.exists(amd_path) and os.path.exists(x64_path), "fixtures present", VEC):
        return finish()
    amd, x64 = read(amd_path), read(x64_path)

    # 1. The oracle reproduces the reference's own vectors (measurement.md §7).
    z = b""
    v4 = oracle.cpu_sig(23, 1, 2)
    seed = oracle.compute("snp:ovmf-hash", amd)
    vecs = [
        (seed.hex(), "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74"),
        (oracle.compute("snp", amd, 1, v4, kernel=z, initrd=z, append="console=ttyS0 loglevel=7", features=0x21).hex(),
         "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977"),
        (oracle.compute("snp", amd, 1, v4, vmm="ec2", kernel=z, initrd=z, features=0x1).hex(),
         "0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056"),
        (oracle.compute("snp", amd, 4, None or 0, vmm="gce", kernel=z, initrd=z).hex(),
         "5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d"),
        (oracle.compute("snp", amd, 1, v4, kernel=z, initrd=z, features=0x21, seed=seed).hex(),
         "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198"),
        (oracle.compute("snp", x64, 1, v4, features=0x21).hex(),
         "28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385"),
        (oracle.compute("seves", amd, 4, v4, kernel=z, initrd=z).hex(),
         "0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91"),
        (oracle.compute("sev", amd, kernel=z).hex(),
         "77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898"),
    ]
    ok(all(a == b for a, b in vecs), "oracle reproduces the reference vectors",
       str([i for i, (a, b) in enumerate(vecs) if a != b]))

    # 2. Debian's real firmware in every mode (measurement.md §6).
    fws = [("OVMF.fd", find_fw("OVMF.fd")), ("OVMF_CODE.fd", find_fw("OVMF_CODE.fd")),
           ("OVMF_CODE_4M.fd", find_fw("OVMF_CODE_4M.fd"))]
    for name, path in fws:
        if not ok(path is not None, "Debian firmware %s present" % name, OVMF_DIR):
            continue
        fw = read(path)
        ok(digest("--mode", "sev", "--ovmf", path) == hashlib.sha256(fw).hexdigest(),
           "%s: sev digest is sha256 of the file" % name)
        check_case("%s: sev" % name, path, fw, "sev")
        for vmm in ("QEMU", "ec2", "gce"):
            check_case("%s: seves 1 vCPU %s" % (name, vmm), path, fw, "seves", 1, vmm=vmm)
            check_case("%s: seves 4 vCPUs %s" % (name, vmm), path, fw, "seves", 4, vmm=vmm)
            check_case("%s: snp 1 vCPU %s" % (name, vmm), path, fw, "snp", 1, vmm=vmm)
            check_case("%s: snp 64 vCPUs %s gf 0x21" % (name, vmm), path, fw, "snp", 64, vmm=vmm,
                       gf=0x21)
        check_case("%s: snp 0 vCPUs" % name, path, fw, "snp", 0)
        check_case("%s: snp EPYC-Milan sig" % name, path, fw, "snp", 2, sig=0xA00F11)
        check_case("%s: snp:ovmf-hash" % name, path, fw, "snp:ovmf-hash")
        h = digest("--mode", "snp:ovmf-hash", "--ovmf", path)
        full = digest("--mode", "snp", "--ovmf", path, "--vcpus", "2", "--vcpu-type", "EPYC-v4")
        seeded = digest("--mode", "snp", "--ovmf", path, "--vcpus", "2", "--vcpu-type", "EPYC-v4",
                        "--snp-ovmf-hash", h)
        ok(full == seeded and len(full) == 96, "%s: --snp-ovmf-hash reproduces the full digest" % name)
        # Every Debian image refuses a kernel (§6), with the reference's message, exit 1.
        for mode, msg in (("sev", "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement"),
                          ("seves", "Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement"),
                          ("snp", "Kernel specified but OVMF metadata doesn't include SNP_KERNEL_HASHES section")):
            rc, out, err = run("--mode", mode, "--ovmf", path, "--vcpus", "1", "--vcpu-type", "EPYC",
                               "--kernel", "/dev/null")
            ok(rc == 1 and msg in err and err.startswith("error: ") and out == "",
               "%s: %s refuses --kernel" % (name, mode), err)
        rc, out, err = run("--mode", "snp", "--ovmf", path, "--vcpus", "1", "--vcpu-type", "EPYC",
                           "-o", "json")
        if ok(rc == 0, "%s: -o json" % name, err):
            j = json.loads(out)
            ok(j["ovmf"]["gpa"] == hex((1 << 32) - len(fw)), "%s: json gpa" % name)
            eip = "0x808004" if name == "OVMF_CODE_4M.fd" else "0x80b004"
            ok(j["ovmf"]["sev_es_reset_eip"] == eip, "%s: reset EIP %s" % (name, eip))
            ok(j["ovmf"]["sev_hash_table_gpa"] == "0x0", "%s: hash table GPA 0" % name)
            nsec = 0 if name == "OVMF_CODE_4M.fd" else 5
            ok(len(j["ovmf"]["sections"]) == nsec, "%s: %d metadata sections" % (name, nsec))
            pages = len(fw) // 4096 + (0 if nsec == 0 else 9 + 3 + 1 + 1 + 17) + 1
            ok(len(j["steps"]) == pages and j["steps"][-1]["digest"] == j["digest"],
               "%s: json lists every page" % name, "%d steps, want %d" % (len(j["steps"]), pages))

    # 3. The synthetic 2 MiB AmdSev image with Debian's real kernel, an initrd and a command line.
    ovmf_fd = find_fw("OVMF.fd")
    if ok(ovmf_fd and KERNEL and os.path.exists(KERNEL), "Debian kernel present", KERNEL):
        synth = read(ovmf_fd)[:2093056] + amd
        synth_path = os.path.join(tmp, "OVMF_AMDSEV_SYNTH_2M.fd")
        initrd_path = os.path.join(tmp, "initrd.img")
        with open(synth_path, "wb") as f:
            f.write(synth)
        with open(initrd_path, "wb") as f:
            f.write(hashlib.shake_256(b"initrd").digest(1 << 20))
        app = "console=ttyS0 root=/dev/vda1 ro — ünïcode"
        for vmm in ("QEMU", "ec2", "gce"):
            check_case("synth 2M: snp 64 vCPUs kernel+initrd+append %s" % vmm, synth_path, synth,
                       "snp", 64, vmm=vmm, kernel=KERNEL, initrd=initrd_path, append=app, gf=0x21)
            check_case("synth 2M: seves 4 vCPUs kernel+initrd %s" % vmm, synth_path, synth,
                       "seves", 4, vmm=vmm, kernel=KERNEL, initrd=initrd_path, append=app)
        check_case("synth 2M: sev kernel+initrd+append", synth_path, synth, "sev",
                   kernel=KERNEL, initrd=initrd_path, append=app)
        check_case("synth 2M: sev kernel only", synth_path, synth, "sev", kernel=KERNEL)
        check_case("synth 2M: snp kernel, empty append", synth_path, synth, "snp", 1,
                   kernel=KERNEL, append="")
        check_case("synth 2M: snp without kernel", synth_path, synth, "snp", 2)

    # 4. snp:svsm on a synthetic SVSM binary (the COCONUT fixtures are not available).
    svsm = synth_svsm(16, 0x40)
    svsm_path = os.path.join(tmp, "svsm.bin")
    vars_path = os.path.join(tmp, "vars.fd")
    with open(svsm_path, "wb") as f:
        f.write(svsm)
    with open(vars_path, "wb") as f:
        f.write(bytes(540672))
    code4m = find_fw("OVMF_CODE_4M.fd")
    if code4m:
        fw = read(code4m)
        for n in (1, 4):
            want = oracle.compute("snp:svsm", fw, n, v4, svsm=svsm, vars_size=540672).hex()
            got = digest("--mode", "snp:svsm", "--ovmf", code4m, "--vcpus", str(n), "--vcpu-type",
                         "EPYC-v4", "--svsm", svsm_path, "--vars-size", "540672")
            ok(got == want, "snp:svsm %d vCPUs (synthetic SVSM)" % n, "got %s want %s" % (got, want))
        got2 = digest("--mode", "snp:svsm", "--ovmf", code4m, "--vcpus", "4", "--vcpu-type",
                      "EPYC-v4", "--svsm", svsm_path, "--vars-file", vars_path)
        ok(got2 == want, "snp:svsm --vars-file gives its size")
        rc, out, err = run("--mode", "snp:svsm", "--ovmf", code4m, "--vcpus", "1", "--vcpu-type",
                           "EPYC-v4", "--svsm", svsm_path, "--vars-size", "540672", "--vmm-type", "ec2")
        ok(rc == 1 and "only implemented for QEMU" in err, "snp:svsm refuses ec2", err)
        rc, out, err = run("--mode", "snp:svsm", "--ovmf", code4m, "--vcpus", "1", "--vcpu-type",
                           "EPYC-v4", "--svsm", svsm_path, "--vars-size", "0")
        ok(rc == 2 and "--vars-size" in err, "snp:svsm: --vars-size 0 is missing", err)
        rc, out, err = run("--mode", "snp:svsm", "--ovmf", code4m, "--vcpus", "1", "--vcpu-type",
                           "EPYC-v4", "--svsm", code4m, "--vars-size", "540672")
        ok(rc == 1 and "SVSM_INFO" in err, "snp:svsm: binary without SVSM_INFO", err)
        d = os.path.join(tmp, "svsm-vmsa")
        rc, out, err = run("--mode", "snp:svsm", "--ovmf", code4m, "--vcpus", "2", "--vcpu-type",
                           "EPYC-v4", "--svsm", svsm_path, "--vars-size", "540672", "--dump-vmsa", d)
        svsm_gpa = (1 << 32) - len(fw) - 540672 - len(svsm)
        ok(rc == 0 and read(os.path.join(d, "vmsa1.bin")) ==
           oracle.svsm_vmsa_page(svsm_gpa + 0x40, v4), "snp:svsm VMSA dump", err)

    # 5. Flags, output forms, errors and exit codes (measurement.md §5).
    A = ["--ovmf", amd_path]
    base = ["--mode", "snp", "--vcpus", "1"] + A
    want = digest(*base, "--vcpu-type", "EPYC-v4")
    for form in ("0x800f12", "8392466", "0o40007422", "0b100000000000111100010010", "0X800F12"):
        ok(digest(*base, "--vcpu-sig", form) == want, "--vcpu-sig %s" % form)
    ok(digest(*base, "--vcpu-family", "23", "--vcpu-model", "1", "--vcpu-stepping", "2") == want,
       "--vcpu-family/model/stepping")
    ok(digest(*base, "--vcpu-family", "23", "--vcpu-model", "1", "--vcpu-stepping", "2",
              "--vcpu-sig", "0x1") == want, "family wins over --vcpu-sig")
    ok(digest(*base, "--vcpu-sig", "0x800f12", "--vcpu-type", "EPYC-Milan") == want,
       "--vcpu-sig wins over --vcpu-type")
    ok(digest(*base, "--vcpu-type", "EPYC-v4", "--guest-features", "0x1") == want,
       "default guest features 0x1")
    ok(digest(*base, "--vcpu-type", "EPYC-v4", "--guest-features", "-1") ==
       digest(*base, "--vcpu-type", "EPYC-v4", "--guest-features", "0xffffffffffffffff"),
       "--guest-features -1 wraps to 2^64-1")
    ok(digest(*base, "--vcpu-type", "EPYC-v4", "--guest-features", "0x10000000000000001") == want,
       "--guest-features wraps modulo 2^64")
    b64 = digest(*base, "--vcpu-type", "EPYC-v4", "--output-format", "base64")
    ok(base64.b64decode(b64).hex() == want, "--output-format base64")
    ok(digest("--mode", "snp:ovmf-hash", *A, "--output-format", "base64") == seed.hex(),
       "snp:ovmf-hash prints hex whatever --output-format says")
    rc, out, err = run(*base, "--vcpu-type", "EPYC-v4", "-v")
    ok(out.strip() == "Calculated SEV_SNP guest measurement: " + want, "-v", out)
    rc, out, err = run("--mode", "seves", "--vcpus", "1", "--vcpu-type", "EPYC-v4", *A, "-v")
    ok(out.startswith("Calculated SEV_ES guest measurement: "), "-v seves", out)
    ok(digest("--mode", "sev", *A, "--vcpus", "9", "--vcpu-type", "EPYC-Milan", "--vmm-type",
              "ec2") == hashlib.sha256(amd).hexdigest(), "sev ignores vCPUs and VMM")
    ok(digest("--mode", "snp", "--vcpus", "-3", "--vcpu-type", "EPYC", *A) ==
       digest("--mode", "snp", "--vcpus", "0", "--vcpu-type", "EPYC", *A),
       "negative --vcpus measures no VMSA")
    ok(digest("--mode", "snp", "--vcpus", "2", "--vmm-type", "gce", *A) ==
       oracle.compute("snp", amd, 2, 0, vmm="gce").hex(), "gce needs no signature")
    ok(digest("--mode", "snp", "--vcpus", "2", "--vcpu-type", "EPYC", "--vmm-type", "ec2", *A)
       == oracle.compute("snp", amd, 2, 0, vmm="ec2").hex(), "ec2 ignores the signature")
    ok(digest("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC", "--kernel", "/dev/null",
              "--append", "", *A) ==
       digest("--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC", "--kernel", "/dev/null", *A),
       "empty --append is no append")

    # --explain and -o json
    rc, out, err = run(*base, "--vcpu-type", "EPYC-v4", "--explain")
    lines = out.strip().split("\n")
    ok(rc == 0 and lines[-1] == want and len(lines) == 1 + 31 + 1 + 1 and "VMSA" in lines[-2],
       "--explain lists every page (1 firmware, 31 metadata, 1 VMSA) then the digest", "%d lines" % len(lines))
    rc, out, err = run("--mode", "seves", "--vcpus", "3", "--vcpu-type", "EPYC-v4", *A, "-o", "json")
    j = json.loads(out) if rc == 0 else {}
    ok(rc == 0 and [s["what"] for s in j["steps"]] == ["ovmf", "vmsa", "vmsa", "vmsa"] and
       j["steps"][0]["sha256"] == hashlib.sha256(amd).hexdigest() and
       j["steps"][-1]["digest"] == j["digest"], "seves -o json steps")

    # --dump-vmsa writes the exact pages measured
    d = os.path.join(tmp, "dump")
    rc, out, err = run("--mode", "snp", "--vcpus", "3", "--vcpu-type", "EPYC-Milan", *A,
                       "--dump-vmsa", d)
    ok(rc == 0 and sorted(os.listdir(d)) == ["vmsa0.bin", "vmsa1.bin", "vmsa2.bin"] and
       read(os.path.join(d, "vmsa0.bin")) == oracle.vmsa_page(0xFFFFFFF0, 0xA00F11, 1, "QEMU") and
       read(os.path.join(d, "vmsa2.bin")) == oracle.vmsa_page(0x80B004, 0xA00F11, 1, "QEMU"),
       "--dump-vmsa DIR", err)
    cwd = os.getcwd()
    d2 = os.path.join(tmp, "dump-cwd")
    os.mkdir(d2)
    os.chdir(d2)
    rc, out, err = run("--mode", "seves", "--vcpus", "2", "--vcpu-type", "EPYC", *A, "--dump-vmsa")
    ok(rc == 0 and sorted(os.listdir(".")) == ["vmsa0.bin", "vmsa1.bin"] and
       read("vmsa0.bin")[0x3B0:0x3B8] == bytes(8), "--dump-vmsa (cwd), seves has no sev_features")
    os.chdir(cwd)


    # 6. SEV LAUNCH_MEASURE (firmware-abi.md §3.5): the spec's vector through the CLI, then real
    # firmware digests against Python's hmac module.
    import hmac as pyhmac
    tik, mn = "66320db73158a35a255d051758e95ed4", "4fbe0bedbad6c86ae8f68971d103e554"
    ld_empty = hashlib.sha256(b"").hexdigest()
    vec = "6faab2daae389bcd3405a05d6cafe33c0414f7bedd0bae19ba5f38b7fd1664ea"
    lm = ["--tik", tik, "--api-major", "0", "--api-minor", "18", "--build", "15", "--policy", "0"]
    ok(digest("--mode", "sev", "--launch-digest", ld_empty, *lm, "--mnonce", mn) == vec + mn,
       "LAUNCH_MEASURE vector via --launch-digest")
    blob_b64 = base64.b64encode(bytes.fromhex(vec + mn)).decode()
    ok(digest("--mode", "sev", "--launch-digest", ld_empty, *lm, "--mnonce", mn,
              "--output-format", "base64") == blob_b64, "LAUNCH_MEASURE blob in base64 (sevctl)")
    rc, out, err = run("--mode", "sev", "--launch-digest", ld_empty, *lm, "--check-measurement", blob_b64)
    ok(rc == 0 and vec in out, "--check-measurement base64 matches", err)
    blob_file = os.path.join(tmp, "blob.bin")
    with open(blob_file, "wb") as f:
        f.write(bytes.fromhex(vec + mn))
    rc, out, err = run("--mode", "sev", "--launch-digest", ld_empty, *lm, "--check-measurement", blob_file)
    ok(rc == 0, "--check-measurement raw file matches", err)
    bad_blob = bytearray(bytes.fromhex(vec + mn))
    bad_blob[5] ^= 0x40
    rc, out, err = run("--mode", "sev", "--launch-digest", ld_empty, *lm, "--check-measurement", bad_blob.hex())
    ok(rc == 5 and "mismatch" in err, "--check-measurement mismatch exits 5", err)
    rc, out, err = run("--mode", "sev", "--launch-digest", ld_empty, "--tik", tik, "--api-major", "0",
                       "--api-minor", "18", "--build", "16", "--policy", "0", "--check-measurement", blob_b64)
    ok(rc == 5, "--check-measurement with another build exits 5", err)
    tik_file = os.path.join(tmp, "tik.bin")
    with open(tik_file, "wb") as f:
        f.write(bytes.fromhex(tik))
    ok(digest("--mode", "sev", "--launch-digest", ld_empty, "--tik", tik_file, *lm[2:], "--mnonce", mn)
       == vec + mn, "--tik from a raw file")
    key = os.urandom(16)
    nonce = os.urandom(16)
    with open(tik_file, "w") as f:
        f.write(key.hex() + "\n")
    for mode, extra in (("sev", []), ("seves", ["--vcpus", "2", "--vcpu-type", "EPYC-Milan"])):
        ld = bytes.fromhex(digest("--mode", mode, *A, *extra))
        for api_minor in (18, 16):
            msg = (bytes([4, 0, api_minor, 7]) if api_minor >= 17 else b"") + struct.pack("<I", 0x30001) + ld + nonce
            want_h = pyhmac.new(key, msg, hashlib.sha256).hexdigest()
            got = digest("--mode", mode, *A, *extra, "--tik", tik_file, "--api-major", "0",
                         "--api-minor", str(api_minor), "--build", "7", "--policy", "0x30001",
                         "--mnonce", nonce.hex())
            ok(got == want_h + nonce.hex(), "LAUNCH_MEASURE %s, API 0.%d, against Python's hmac" % (mode, api_minor), got)
    rc, out, err = run("--mode", "sev", *A, "--tik", tik_file, "--api-major", "0", "--api-minor", "18",
                       "--build", "7", "--policy", "1", "--mnonce", nonce.hex(), "-o", "json")
    j = json.loads(out) if rc == 0 else {}
    ok(rc == 0 and j["digest"] == hashlib.sha256(amd).hexdigest() and
       len(j["launch_measure"]["measurement"]) == 64, "LAUNCH_MEASURE -o json", err)

    # 7. Other edges: the ovmf-hash seed appears as a step; a zero reset EIP with APs is refused.
    rc, out, err = run(*base, "--vcpu-type", "EPYC-v4", "--snp-ovmf-hash", seed.hex(), "-o", "json")
    j = json.loads(out) if rc == 0 else {}
    ok(rc == 0 and j["steps"][0]["what"] == "seed" and j["steps"][0]["digest"] == seed.hex() and
       j["digest"] == want, "--snp-ovmf-hash shows the seed step", err)
    b = bytearray(amd)
    i = bytes(b).find(oracle.RESET_BLOCK)
    struct.pack_into("<I", b, i - 6, 0)
    zero_eip = os.path.join(tmp, "zero-eip.fd")
    with open(zero_eip, "wb") as f:
        f.write(b)
    ok(len(digest("--mode", "snp", "--ovmf", zero_eip, "--vcpus", "1", "--vcpu-type", "EPYC")) == 96,
       "reset EIP 0 with only the BSP is accepted")
    rc, out, err = run("--mode", "snp", "--ovmf", zero_eip, "--vcpus", "2", "--vcpu-type", "EPYC")
    ok(rc == 1 and "reset EIP 0" in err, "reset EIP 0 with APs is refused", err)
    rc, out, err = run("--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--kernel", "/dev/null")
    ok(rc == 0, "kernel hashes into the AmdSev page", err)
    rc, out, err = run("--version")
    ok(rc == 0 and "0.0.13" in out, "--version names the reference version")

    # Misuse: exit 2 naming the flag
    usage_cases = [
        (["--ovmf", amd_path], "--mode"),
        (["--mode", "SEV-ES", *A], "invalid choice"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--vmm-type", "qemu"], "--vmm-type"),
        (["--mode", "snp", "--vcpus", "1", "--vcpu-type", "EPYC"], "--ovmf"),
        (["--mode", "snp", *A, "--vcpu-type", "EPYC"], "--vcpus"),
        (["--mode", "snp", *A, "--vcpus", "1"], "missing --vcpu-type or --vcpu-sig or --vcpu-family in guest mode 'snp'"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC-v9"], "--vcpu-type"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-family", "23"], "--vcpu-model"),
        (["--mode", "snp", *A, "--vcpus", "x", "--vcpu-type", "EPYC"], "--vcpus"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-sig", "010"], "--vcpu-sig"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--initrd", "/dev/null"], "--kernel"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--append", "x"], "--kernel"),
        (["--mode", "seves", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--snp-ovmf-hash", seed.hex()], "--snp-ovmf-hash"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--snp-ovmf-hash", "abcd"], "--snp-ovmf-hash"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--output-format", "HEX"], "--output-format"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--bogus"], "--bogus"),
        (["--mode", "snp:svsm", *A, "--vcpus", "1", "--vcpu-type", "EPYC"], "--svsm"),
        (["--mode", "snp", *A, "--vcpus", "1", "--vcpu-type", "EPYC", "--tik", "00" * 16], "apply only"),
        (["--mode", "sev", *A, "--tik", "00" * 16, "--api-major", "0"], "--api-minor"),
    ]
    for args, needle in usage_cases:
        rc, out, err = run(*args)
        ok(rc == 2 and needle in err and err.startswith("error: "), "misuse exits 2: %s" % " ".join(args[:6]), err)
    rc, out, err = run("--mode", "snp", "--ovmf", "/nonexistent/OVMF.fd", "--vcpus", "1", "--vcpu-type", "EPYC")
    ok(rc == 1 and "/nonexistent/OVMF.fd" in err, "missing firmware file exits 1", err)
    rc, out, err = run("--help")
    ok(rc == 0 and "--vcpu-type" in out and "EPYC-Turin" in out, "--help")

    # Malformed firmware: a clear error naming the structure and offset, exit 1.
    def bad(name, data, needle, mode="snp"):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        rc, out, err = run("--mode", mode, "--ovmf", p, "--vcpus", "1", "--vcpu-type", "EPYC")
        ok(rc == 1 and needle in err, "malformed %s" % name, err)
    footer_off = 4096 - 50
    b = bytearray(amd)
    struct.pack_into("<H", b, footer_off, 0xFFFF)
    bad("table-too-long", bytes(b), "offset 0xfce")
    b = bytearray(amd)
    struct.pack_into("<H", b, footer_off, 3)
    bad("footer-size-short", bytes(b), "less than its 18-byte header")
    bad("truncated", amd[-40:], "too short")
    bad("empty", b"", "empty", mode="sev")
    b = bytearray(amd)
    meta = 4096 - 0x554
    b[meta:meta + 4] = b"XSEV"
    bad("bad-signature", bytes(b), "signature")
    b = bytearray(amd)
    struct.pack_into("<I", b, meta + 8, 2)
    bad("bad-version", bytes(b), "version is 2")
    b = bytearray(amd)
    struct.pack_into("<I", b, meta + 12, 1000)
    bad("too-many-sections", bytes(b), "num_items 1000")
    b = bytearray(amd)
    struct.pack_into("<I", b, meta + 16 + 12 + 0, 0x801000)  # section 1 into section 0
    bad("overlapping-sections", bytes(b), "overlap")
    b = bytearray(amd)
    struct.pack_into("<III", b, meta + 16, 0xFFFFF000, 0x1000, 1)
    bad("section-over-firmware", bytes(b), "overlaps the firmware image")
    b = bytearray(amd)
    struct.pack_into("<III", b, meta + 16, 0xFFFFE000, 0x3000, 1)
    bad("section-past-4g", bytes(b), "past 4 GiB")
    b = bytearray(amd)
    struct.pack_into("<I", b, meta + 16 + 8, 7)
    bad("unknown-section-type", bytes(b), "unknown type 0x7")
    b = bytearray(amd)
    struct.pack_into("<I", b, meta + 16, 0x800800)
    bad("unaligned-section", bytes(b), "not 4 KiB aligned")
    b = bytearray(amd)
    b[footer_off + 2] ^= 0xFF  # wrong footer GUID: an empty table, so no reset block
    bad("wrong-footer-guid", bytes(b), "Can't find SEV_ES_RESET_BLOCK_GUID entry")
    odd = bytes(100) + amd
    bad("not-page-multiple", odd, "not a multiple of 4 KiB")
    return finish()


def finish():
    print("1..%d" % len(results))
    failed = 0
    for i, (good, name, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, name))
        if not good:
            failed += 1
            for line in str(detail).splitlines() or [""]:
                print("#   " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
