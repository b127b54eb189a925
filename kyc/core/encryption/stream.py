"""Stored files encrypted in chunks (format ``KYCENC2``), so that memory stays bounded by a few chunks.

Fernet has no streaming interface: a whole-file token holds several copies of the file in memory.
Here each file gets its own random 256-bit data key, wrapped in a Fernet token by the configured keys
(``crypto.key_ring()``, passed in: this module knows no settings), and the file is cut into
64 KiB chunks, each sealed with AES-256-GCM under the data key. The nonce of a chunk is its index and
whether it is the last one, which is the STREAM construction (as in Tink's streaming AEAD): chunks
moved, dropped from the end or appended fail their tag. Layout::

    b"KYCENC2\\n" | wrapped key length (4 bytes, big-endian) | wrapped key (a Fernet token)
    | chunk 0 | chunk 1 | ... | last chunk          each: AES-GCM ciphertext + 16-byte tag

Every chunk but the last holds exactly CHUNK_SIZE plaintext bytes; the last holds 0 to CHUNK_SIZE
(0 only for an empty file: there is always one chunk). So the plaintext size follows from the file
size, and chunk i starts at ``body_offset + i * STORED_CHUNK_SIZE``.

The header is deliberately not bound to the chunks (no associated data): rotation re-wraps the data
key and copies the body unchanged. A header taken from another file carries another data key, so the
body still fails to open.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.fernet import InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kyc.core.encryption.errors import DecryptionFailed

MAGIC = b"KYCENC2\n"
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
STORED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
DATA_KEY_SIZE = 32
_WRAPPED_KEY_LENGTH = struct.Struct(">I")
# A Fernet token around a 32-byte key is 140 bytes; a larger length field is damage, and must not
# make a reader allocate whatever the field says.
_MAX_WRAPPED_KEY_SIZE = 1024


def encrypted_chunks(plaintext: BinaryIO, *, keys: MultiFernet) -> Iterator[bytes]:
    """Yield the KYCENC2 form of everything ``plaintext`` holds from its current position.

    The header comes first, then one encrypted chunk at a time; the source is read CHUNK_SIZE
    bytes at a time, never whole.
    """
    data_key = AESGCM.generate_key(bit_length=DATA_KEY_SIZE * 8)
    yield _header(keys.encrypt(data_key))
    sealer = AESGCM(data_key)
    index, chunk = 0, _read_chunk(plaintext)
    while True:
        # One chunk ahead: a chunk is the last exactly when nothing follows it.
        following = _read_chunk(plaintext)
        is_last = not following
        yield sealer.encrypt(_nonce(index, is_last=is_last), chunk, None)
        if is_last:
            return
        index, chunk = index + 1, following


def rewrapped_chunks(stored: BinaryIO, *, keys: MultiFernet) -> Iterator[bytes]:
    """Yield the KYCENC2 file ``stored`` with its data key re-wrapped by the newest key.

    The body is copied as it is, a stored chunk at a time: it is neither decrypted nor checked.
    """
    wrapped_key, body_offset = _read_header(stored)
    try:
        rewrapped = keys.rotate(wrapped_key)
    except InvalidToken:
        raise _damaged("no configured key opens its data key") from None
    yield _header(rewrapped)
    stored.seek(body_offset)
    while piece := stored.read(STORED_CHUNK_SIZE):
        yield piece


class DecryptingReader(io.RawIOBase):
    """The plaintext of an opened KYCENC2 file: readable and seekable, one chunk decrypted at a time.

    Owns ``stored`` (closing the reader closes it). Opening checks the header and the last chunk,
    so ``size`` is authenticated: a file cut short or extended fails here, not after a partial read.
    A chunk whose tag fails raises DecryptionFailed; wrong bytes are never returned. It has no
    fileno() on purpose: a server given one would sendfile() the ciphertext.
    """

    def __init__(self, stored: BinaryIO, *, keys: MultiFernet):
        super().__init__()
        self._stored = stored
        wrapped_key, self._body_offset = _read_header(stored)
        self._opener = AESGCM(_unwrap(wrapped_key, keys))
        body_size = stored.seek(0, io.SEEK_END) - self._body_offset
        self._chunk_count, self._last_stored_size = _chunk_layout(body_size)
        self.size = body_size - self._chunk_count * TAG_SIZE
        self._position = 0
        self._cached_index: int | None = None
        self._cached_chunk = b""
        self._chunk(self._chunk_count - 1)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        self._refuse_if_closed()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._refuse_if_closed()
        origins = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}
        if whence not in origins:
            raise ValueError(f"invalid whence ({whence})")
        position = origins[whence] + offset
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def readinto(self, buffer) -> int:
        """Fill ``buffer`` from the current chunk only (a short read, as raw streams may do)."""
        self._refuse_if_closed()
        if self._position >= self.size:
            return 0
        index, start = divmod(self._position, CHUNK_SIZE)
        target = memoryview(buffer).cast("B")
        piece = memoryview(self._chunk(index))[start:start + len(target)]
        target[:len(piece)] = piece
        self._position += len(piece)
        return len(piece)

    def close(self) -> None:
        if not self.closed:
            self._stored.close()
            self._cached_chunk = b""
        super().close()

    def _chunk(self, index: int) -> bytes:
        if index != self._cached_index:
            is_last = index == self._chunk_count - 1
            expected_size = self._last_stored_size if is_last else STORED_CHUNK_SIZE
            self._stored.seek(self._body_offset + index * STORED_CHUNK_SIZE)
            sealed = self._stored.read(expected_size)
            if len(sealed) != expected_size:
                raise _damaged(f"chunk {index} is cut short: the file shrank while open")
            try:
                plaintext = self._opener.decrypt(_nonce(index, is_last=is_last), sealed, None)
            except InvalidTag:
                raise _damaged(f"chunk {index} of {self._chunk_count} fails its check") from None
            self._cached_index, self._cached_chunk = index, plaintext
        return self._cached_chunk

    def _refuse_if_closed(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")


def _read_chunk(source: BinaryIO) -> bytes:
    """The next CHUNK_SIZE bytes (fewer only at the end): chunk boundaries must not depend on how
    the source happens to split its reads."""
    pieces = []
    missing = CHUNK_SIZE
    while missing and (piece := source.read(missing)):
        pieces.append(piece)
        missing -= len(piece)
    return b"".join(pieces)


def _nonce(index: int, *, is_last: bool) -> bytes:
    # 8-byte big-endian chunk index, 1-byte last-chunk flag, 3 zero bytes: 12 bytes, as AES-GCM wants.
    return struct.pack(">QB3x", index, is_last)


def _header(wrapped_key: bytes) -> bytes:
    return MAGIC + _WRAPPED_KEY_LENGTH.pack(len(wrapped_key)) + wrapped_key


def _read_header(stored: BinaryIO) -> tuple[bytes, int]:
    """The wrapped data key and where the body starts."""
    stored.seek(0)
    if stored.read(len(MAGIC)) != MAGIC:
        raise ValueError("Not a KYCENC2 file: check the magic before choosing this reader.")
    length_field = stored.read(_WRAPPED_KEY_LENGTH.size)
    if len(length_field) != _WRAPPED_KEY_LENGTH.size:
        raise _damaged("its header is cut short")
    (length,) = _WRAPPED_KEY_LENGTH.unpack(length_field)
    if length > _MAX_WRAPPED_KEY_SIZE:
        raise _damaged("its header gives an impossible key length")
    wrapped_key = stored.read(length)
    if len(wrapped_key) != length:
        raise _damaged("its header is cut short")
    return wrapped_key, len(MAGIC) + _WRAPPED_KEY_LENGTH.size + length


def _unwrap(wrapped_key: bytes, keys: MultiFernet) -> bytes:
    try:
        data_key = keys.decrypt(wrapped_key)
    except InvalidToken:
        raise _damaged("no configured key opens its data key") from None
    if len(data_key) != DATA_KEY_SIZE:
        raise _damaged("its data key has the wrong length")
    return data_key


def _chunk_layout(body_size: int) -> tuple[int, int]:
    """The number of chunks in a body of this size, and the stored size of the last one."""
    chunk_count = max(1, -(-body_size // STORED_CHUNK_SIZE))
    last_stored_size = body_size - (chunk_count - 1) * STORED_CHUNK_SIZE
    if last_stored_size < TAG_SIZE:
        raise _damaged("its body ends inside a chunk's tag")
    return chunk_count, last_stored_size


def _damaged(detail: str) -> DecryptionFailed:
    return DecryptionFailed(
        f"A stored file could not be decrypted ({detail}): the file is damaged, or the key that "
        "encrypted it was dropped from KYC_ENCRYPTION_KEYS too early."
    )
