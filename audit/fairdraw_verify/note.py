"""C2SP signed notes (c2sp.org/signed-note), verifier keys and checkpoints
(c2sp.org/tlog-checkpoint), as LOG-FORMAT.md uses them.

Only Ed25519 keys (signature type 0x01) are supported: the log signs with one.
"""

import base64
import binascii
import hashlib
import re

from . import ed25519


class NoteError(Exception):
    """A malformed key, note or checkpoint (the message says what is wrong)."""


def b64decode(s):
    """RFC 4648 §4 standard base64, strictly (padding required, no other characters)."""
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", s) or len(s) % 4:
        raise NoteError(f"not base64: {s[:40]!r}")
    try:
        return base64.b64decode(s, validate=True)
    except binascii.Error:
        raise NoteError(f"not base64: {s[:40]!r}") from None


def valid_key_name(name):
    """signed-note: key names are non-empty, without Unicode spaces or '+'."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


ED25519 = 0x01            # signed-note: an Ed25519 note signature (the log's key)
COSIGNATURE_V1 = 0x04     # tlog-cosignature: an Ed25519 cosignature/v1 (a witness's key)


def key_id(name, public_key, algorithm=ED25519):
    """signed-note: key ID = SHA-256(key name ‖ 0x0A ‖ algorithm byte ‖ public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([algorithm]) + public_key).digest()[:4]


class VerifierKey:
    """`<name>+<key id hex>+<base64(algorithm ‖ Ed25519 public key)>`: the log's
    key (LOG-FORMAT: log.pub, algorithm 0x01) or a witness's (0x04)."""

    def __init__(self, text, algorithm=ED25519):
        self.text = text
        parts = text.split("+", 2)                 # base64 may contain '+', names may not
        if len(parts) != 3:
            raise NoteError("malformed verifier key: expected <name>+<key id>+<key>")
        name, kid, key = parts
        if not valid_key_name(name):
            raise NoteError(f"malformed verifier key: bad key name {name!r}")
        if not re.fullmatch("[0-9a-f]{8}", kid):
            raise NoteError(f"malformed verifier key: key id {kid!r} is not 8 hex digits")
        raw = b64decode(key)
        if len(raw) != 33 or raw[0] != algorithm:
            raise NoteError(f"malformed verifier key: not an Ed25519 key (0x{algorithm:02x} ‖ 32 bytes)")
        self.name, self.id, self.public_key = name, bytes.fromhex(kid), raw[1:]
        expected = key_id(name, self.public_key, algorithm)
        if expected != self.id:
            raise NoteError(f"malformed verifier key: key id {kid} is not SHA-256(name ‖ 0x0A ‖ 0x{algorithm:02x} ‖ key)[:4] "
                            f"= {expected.hex()}")

    def __str__(self):
        return f"{self.name}+{self.id.hex()}"


MAX_SIGNATURES = 100


def split_note(note):
    """A signed note (str) -> (text ending in a newline, [(key name, raw signature bytes, line)]).
    Raises NoteError when it is malformed.

    signed-note: text ending in a newline, a blank line, one or more lines
    "— <key name> <base64(4-byte key id ‖ signature)>\\n"; the text is
    separated from the signatures by the last empty line; no control
    characters other than newline."""
    if re.search("[\x00-\x09\x0b-\x1f]", note):
        raise NoteError("malformed note: control character")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("malformed note: no blank line before the signatures, or no final newline")
    text, sigs = note[: cut + 1], note[cut + 2:]
    lines = sigs[:-1].split("\n")
    if not sigs or len(lines) > MAX_SIGNATURES:
        raise NoteError("malformed note: no signature lines" if not sigs else "too many signatures")
    signatures = []
    for line in lines:
        m = re.fullmatch("\u2014 (\\S+) (\\S+)", line)
        if not m or not valid_key_name(m[1]):
            raise NoteError(f"malformed note: bad signature line {line[:60]!r}")
        raw = b64decode(m[2])
        if len(raw) < 5:
            raise NoteError("malformed note: signature too short")
        signatures.append((m[1], raw, line))
    return text, signatures


def open_note(note, key):
    """Parses a signed note (str) and verifies it with `key` (a VerifierKey).
    Returns the note text (ending in a newline).  Raises NoteError when the
    note is malformed or has no valid signature by `key`.  Signatures of other
    keys are ignored; a signature of the known key (same name and id) must
    verify."""
    text, signatures = split_note(note)
    verified = False
    for name, raw, _ in signatures:
        if name != key.name or raw[:4] != key.id:
            continue                                    # an unknown key: ignored
        if len(raw) != 68 or not ed25519.verify(key.public_key, text.encode("utf-8"), raw[4:]):
            raise NoteError(f"invalid signature for key {key}")
        verified = True
    if not verified:
        raise NoteError(f"no signature by the key {key}")
    return text


class Checkpoint:
    """c2sp.org/tlog-checkpoint note text: origin, tree size, base64 root hash,
    then optional non-empty extension lines."""

    def __init__(self, text):
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(x == "" for x in lines[:-1]):
            raise NoteError("malformed checkpoint: expected origin, size and root lines")
        self.origin, size, root = lines[:3]
        self.extensions = lines[3:-1]
        if not re.fullmatch("0|[1-9][0-9]*", size):
            raise NoteError(f"malformed checkpoint: tree size {size!r}")
        self.size = int(size)
        self.root = b64decode(root)
        if len(self.root) != 32:
            raise NoteError("malformed checkpoint: the root hash is not 32 bytes")


def open_checkpoint(note, key):
    """A signed checkpoint verified with `key`; its origin must be the key's name
    (LOG-FORMAT: signed with the log's key, `— <origin> …`)."""
    cp = Checkpoint(open_note(note, key))
    if cp.origin != key.name:
        raise NoteError(f"checkpoint origin {cp.origin!r} is not the key's name {key.name!r}")
    return cp
