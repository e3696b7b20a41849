"""The x-amz-checksum-* algorithms, computed independently of silt so the tests
can tell whether silt verifies and returns them correctly.

Values are base64 of the big-endian digest, exactly as the headers carry them.
Pure Python (table driven): fine for the few hundred KiB the tests checksum.
"""
import base64
import hashlib
import zlib


def _reflected_table(poly, width):
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc & ((1 << width) - 1))
    return table


# CRC32C (Castagnoli): reflected 0x1EDC6F41 -> 0x82F63B78.
_CRC32C = _reflected_table(0x82F63B78, 32)
# CRC64NVME: reflected form of 0xAD93D23594C93659.
_CRC64NVME = _reflected_table(0x9A6C9329AC4BC9B5, 64)


def _crc_reflected(table, mask, data):
    crc = mask
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


def crc32c(data: bytes) -> int:
    return _crc_reflected(_CRC32C, 0xFFFFFFFF, data)


def crc64nvme(data: bytes) -> int:
    return _crc_reflected(_CRC64NVME, 0xFFFFFFFFFFFFFFFF, data)


def digest(algo: str, data: bytes) -> bytes:
    """Raw big-endian digest for algo in CRC32, CRC32C, CRC64NVME, SHA1, SHA256."""
    algo = algo.upper()
    if algo == "CRC32":
        return crc32(data).to_bytes(4, "big")
    if algo == "CRC32C":
        return crc32c(data).to_bytes(4, "big")
    if algo == "CRC64NVME":
        return crc64nvme(data).to_bytes(8, "big")
    if algo == "SHA1":
        return hashlib.sha1(data).digest()
    if algo == "SHA256":
        return hashlib.sha256(data).digest()
    raise ValueError(algo)


def b64(algo: str, data: bytes) -> str:
    return base64.b64encode(digest(algo, data)).decode()


def header_name(algo: str) -> str:
    return "x-amz-checksum-" + algo.lower()


ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]


def content_md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()
