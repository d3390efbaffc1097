"""An independent launch-digest oracle for the tests: the algorithm of measurement.md written
again in Python with hashlib and struct, sharing no code with softsev's C implementation.

compute(mode, ovmf_bytes, **options) -> bytes. Raises OracleError where the reference refuses."""
import hashlib
import struct
import uuid

FOUR_GIB = 1 << 32
VMSA_GPA = 0xFFFFFFFFF000


class OracleError(Exception):
    pass


def _g(text):
    return uuid.UUID(text).bytes_le


FOOTER = _g("96b582de-1fb2-45f7-baea-a366c55a082d")
RESET_BLOCK = _g("00f771de-1a7e-4fcb-890e-68c77e2fb44e")
HASH_TABLE_RV = _g("7255371f-3a3b-4b04-927b-1da6efa8d454")
META_DATA = _g("dc886566-984a-4798-a75e-5585a7bf67cc")
SVSM_INFO = _g("a789a612-0597-4c4b-a49f-cbb1fe9d1ddd")

CPU_SIGS = {
    "EPYC": (23, 1, 2), "EPYC-v1": (23, 1, 2), "EPYC-v2": (23, 1, 2), "EPYC-IBPB": (23, 1, 2),
    "EPYC-v3": (23, 1, 2), "EPYC-v4": (23, 1, 2), "EPYC-Rome": (23, 49, 0),
    "EPYC-Rome-v1": (23, 49, 0), "EPYC-Rome-v2": (23, 49, 0), "EPYC-Rome-v3": (23, 49, 0),
    "EPYC-Milan": (25, 1, 1), "EPYC-Milan-v1": (25, 1, 1), "EPYC-Milan-v2": (25, 1, 1),
    "EPYC-Genoa": (25, 17, 0), "EPYC-Genoa-v1": (25, 17, 0), "EPYC-Turin": (26, 0, 0),
}


def cpu_sig(family, model, stepping):
    if family > 0xF:
        base, ext = 0xF, (family - 0xF) & 0xFF
    else:
        base, ext = family, 0
    return (ext << 20) | (((model >> 4) & 0xF) << 16) | (base << 8) | ((model & 0xF) << 4) | (stepping & 0xF)


def parse_table(data):
    """{guid: entry data}"""
    end = len(data) - 32
    size, guid = struct.unpack_from("<H16s", data, end - 18)
    if guid != FOOTER:
        return {}
    table = data[end - size:end - 18]
    out = {}
    while len(table) >= 18:
        esize, eguid = struct.unpack_from("<H16s", table, len(table) - 18)
        if esize < 18:
            raise OracleError("Invalid entry size")
        out[eguid] = table[len(table) - esize:len(table) - 18]
        table = table[:len(table) - esize]
    return out


def parse_sections(data, table):
    if META_DATA not in table:
        return []
    start = len(data) - struct.unpack_from("<I", table[META_DATA])[0]
    sig, size, version, n = struct.unpack_from("<4sIII", data, start)
    if sig != b"ASEV" or version != 1:
        raise OracleError("bad metadata")
    return [struct.unpack_from("<III", data, start + 16 + 12 * i) for i in range(n)]


def hashes_table(kernel, initrd, append):
    cmd = (append or "").encode() + b"\0"
    body = b""
    for guid, payload in (("97d02dd8-bd20-4c94-aa78-e7714d36ab2a", cmd),
                          ("44baf731-3a2f-4bd7-9af1-41e29169781d", initrd or b""),
                          ("4de79437-abd2-427f-b835-d5b172d2045b", kernel)):
        body += _g(guid) + struct.pack("<H", 50) + hashlib.sha256(payload).digest()
    t = _g("9438d606-4f22-4cc9-b479-a793d411fd21") + struct.pack("<H", 168) + body
    assert len(t) == 168
    return t + bytes(8)


def _seg(page, off, sel, attr, limit, base):
    struct.pack_into("<HHIQ", page, off, sel, attr, limit, base)


def vmsa_page(eip, sig, features, vmm):
    p = bytearray(4096)
    cs_attr, ss_attr, tr_attr = 0x9B, 0x93, 0x8B
    if vmm == "ec2":
        cs_attr = 0x9A if eip == 0xFFFFFFF0 else 0x9B
        ss_attr, tr_attr = 0x92, 0x83
    for off in (0x00, 0x30, 0x40, 0x50):
        _seg(p, off, 0, 0x93, 0xFFFF, 0)
    _seg(p, 0x10, 0xF000, cs_attr, 0xFFFF, eip & 0xFFFF0000)
    _seg(p, 0x20, 0, ss_attr, 0xFFFF, 0)
    _seg(p, 0x60, 0, 0, 0xFFFF, 0)
    _seg(p, 0x70, 0, 0x82, 0xFFFF, 0)
    _seg(p, 0x80, 0, 0, 0xFFFF, 0)
    _seg(p, 0x90, 0, tr_attr, 0xFFFF, 0)
    q = lambda off, v: struct.pack_into("<Q", p, off, v & (2**64 - 1))
    q(0xD0, 0x1000); q(0x148, 0x40); q(0x158, 0x10); q(0x160, 0x400); q(0x168, 0xFFFF0FF0)
    q(0x170, 2); q(0x178, eip & 0xFFFF)
    q(0x268, 0x00070106 if vmm == "gce" else 0x0007040600070406)
    q(0x310, sig if vmm == "QEMU" else 0x600)
    q(0x3B0, features); q(0x3E8, 1)
    if vmm == "QEMU":
        struct.pack_into("<I", p, 0x408, 0x1F80)
        struct.pack_into("<H", p, 0x410, 0x37F)
    return bytes(p)


def svsm_vmsa_page(rip, sig):
    p = bytearray(4096)
    for off in (0x00, 0x20, 0x30, 0x40):
        _seg(p, off, 0x10, 0xC93, 0xFFFFFFFF, 0)
    _seg(p, 0x10, 0x08, 0xC9B, 0xFFFFFFFF, 0)
    _seg(p, 0x50, 0, 0x93, 0xFFFF, 0)
    _seg(p, 0x60, 0, 0, 0xFFFF, 0)
    _seg(p, 0x70, 0, 0x82, 0xFFFF, 0)
    _seg(p, 0x80, 0, 0, 0xFFFF, 0)
    _seg(p, 0x90, 0, 0x8B, 0xFFFF, 0)
    q = lambda off, v: struct.pack_into("<Q", p, off, v)
    q(0xD0, 0x1000); q(0x148, 0x40); q(0x158, 0x11); q(0x160, 0x400); q(0x168, 0xFFFF0FF0)
    q(0x170, 2); q(0x178, rip); q(0x268, 0x0007040600070406); q(0x310, sig); q(0x3B0, 1)
    q(0x3E8, 1)
    struct.pack_into("<I", p, 0x408, 0x1F80)
    return bytes(p)


class Chain:
    def __init__(self, seed=None):
        self.ld = seed or bytes(48)

    def add(self, gpa, ptype, contents=bytes(48)):
        info = self.ld + contents + struct.pack("<HBBBBBBQ", 0x70, ptype, 0, 0, 0, 0, 0, gpa)
        self.ld = hashlib.sha384(info).digest()

    def pages(self, data, gpa):
        assert len(data) % 4096 == 0
        for off in range(0, len(data), 4096):
            self.add(gpa + off, 1, hashlib.sha384(data[off:off + 4096]).digest())


def _metadata(chain, sections, table, vmm, kernel_page):
    for gpa, size, kind in sections:
        if kind == 1:
            for off in range(0, size, 4096):
                chain.add(gpa + off, 4 if vmm == "gce" else 3)
        elif kind == 2:
            chain.add(gpa, 5)
        elif kind == 3:
            if vmm != "ec2":
                chain.add(gpa, 6)
        elif kind == 4:
            for off in range(0, size, 4096):
                chain.add(gpa + off, 3)
        elif kind == 0x10:
            if kernel_page is not None:
                chain.add(gpa, 1, hashlib.sha384(kernel_page).digest())
            else:
                for off in range(0, size, 4096):
                    chain.add(gpa + off, 3)
        else:
            raise OracleError("unknown section type")
    if vmm == "ec2":
        for gpa, size, kind in sections:
            if kind == 3:
                chain.add(gpa, 6)


def compute(mode, ovmf, vcpus=0, sig=0, vmm="QEMU", kernel=None, initrd=None, append=None,
            features=1, seed=None, svsm=None, vars_size=0):
    table = parse_table(ovmf)
    gpa = FOUR_GIB - len(ovmf)
    if mode in ("sev", "seves"):
        stream = hashlib.sha256(ovmf)
        if kernel is not None:
            if HASH_TABLE_RV not in table or struct.unpack_from("<I", table[HASH_TABLE_RV])[0] == 0:
                raise OracleError("Kernel specified but OVMF doesn't support kernel/initrd/cmdline measurement")
            stream.update(hashes_table(kernel, initrd, append))
        if mode == "seves":
            if RESET_BLOCK not in table:
                raise OracleError("Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table")
            eip = struct.unpack_from("<I", table[RESET_BLOCK])[0]
            for i in range(vcpus):
                stream.update(vmsa_page(0xFFFFFFF0 if i == 0 else eip, sig, 0, vmm))
        return stream.digest()
    if mode == "snp:ovmf-hash":
        c = Chain()
        c.pages(ovmf, gpa)
        return c.ld
    if mode == "snp:svsm":
        svsm_table = parse_table(svsm)
        svsm_gpa = gpa - vars_size - len(svsm)
        c = Chain()
        c.pages(ovmf, gpa)
        c.pages(svsm, svsm_gpa)
        _metadata(c, parse_sections(svsm, svsm_table), svsm_table, "QEMU", None)
        rip = svsm_gpa + struct.unpack_from("<I", svsm_table[SVSM_INFO])[0]
        page = svsm_vmsa_page(rip, sig)
        for _ in range(vcpus):
            c.add(VMSA_GPA, 2, hashlib.sha384(page).digest())
        return c.ld
    # snp
    sections = parse_sections(ovmf, table)
    if RESET_BLOCK not in table:
        raise OracleError("Can't find SEV_ES_RESET_BLOCK_GUID entry in OVMF table")
    eip = struct.unpack_from("<I", table[RESET_BLOCK])[0]
    kernel_page = None
    if kernel is not None:
        if not any(k == 0x10 for _, _, k in sections):
            raise OracleError("Kernel specified but OVMF metadata doesn't include SNP_KERNEL_HASHES section")
        off = struct.unpack_from("<I", table[HASH_TABLE_RV])[0] & 0xFFF
        page = bytearray(4096)
        page[off:off + 176] = hashes_table(kernel, initrd, append)
        kernel_page = bytes(page)
    c = Chain(seed)
    if seed is None:
        c.pages(ovmf, gpa)
    _metadata(c, sections, table, vmm, kernel_page)
    for i in range(vcpus):
        v = vmsa_page(0xFFFFFFF0 if i == 0 else eip, sig, features, vmm)
        c.add(VMSA_GPA, 2, hashlib.sha384(v).digest())
    return c.ld
