"""LOG-FORMAT "Witnesses and cosignatures": the WitnessPolicy entry, C2SP
tlog-cosignature `cosignature/v1` lines (Ed25519), the records of
`cosignatures.jsonl`, and what "witnessed" means for a draw.

Checked here, each from that section:
  * "The policy entry": the strict body of a WitnessPolicy;
  * "Cosignatures": a line `— <name> <base64(key id ‖ t ‖ signature)>` of a
    witness key `<name>+<id>+<base64(0x04 ‖ key)>` signs
    `cosignature/v1` LF `time <t>` LF ‖ the checkpoint text;
  * "What 'witnessed' means": per draw, K distinct witnesses of the policy in
    force at the commitment cosigned one record of size > the commitment's
    index, each at a time t < the deadline T.
"""

from . import ed25519
from .note import COSIGNATURE_V1, NoteError, VerifierKey

MAX_WITNESSES = 16
MAX_URL_BYTES = 2000
WITNESS_KEYS = {"name", "url", "vkey"}
COSIGNATURE_LENGTH = 4 + 8 + 64            # key id ‖ t as u64 big-endian ‖ Ed25519 signature


class Policy:
    """A WitnessPolicy entry: `keys` (VerifierKey, algorithm 0x04) and `quorum`.
    A malformed entry is still the policy in force after it, one that
    witnesses nothing (no keys, quorum at least 1): its problems are
    reported, and no draw after it counts as witnessed."""

    def __init__(self, index, keys, quorum):
        self.index, self.keys, self.quorum = index, keys, quorum

    @property
    def witnessed(self):
        return self.quorum > 0


def read_policy(index, body):
    """(Policy, [problems]) of a WitnessPolicy body whose fields have the right
    types (`witnesses` a list, `quorum` an integer)."""
    witnesses, quorum = body["witnesses"], body["quorum"]
    problems, keys, names = [], [], set()
    if len(witnesses) > MAX_WITNESSES:
        problems.append(f"{len(witnesses)} witnesses; at most {MAX_WITNESSES}")
    for j, w in enumerate(witnesses):
        where = f"witnesses[{j}]"
        if not isinstance(w, dict) or set(w) != WITNESS_KEYS or not all(isinstance(x, str) for x in w.values()):
            problems.append(f'{where} must be {{"name","url","vkey"}}, three strings')
            continue
        name, url = w["name"], w["url"]
        if name in names:
            problems.append(f"{where}: name {name!r} appears twice (witness names are distinct)")
        names.add(name)
        if not url.startswith(("http://", "https://")) or any(c.isspace() for c in url) \
                or len(url.encode("utf-8")) > MAX_URL_BYTES:
            problems.append(f"{where}: url {url[:80]!r} must start with http:// or https://, hold no whitespace "
                            f"and have at most {MAX_URL_BYTES} bytes")
        try:
            key = VerifierKey(w["vkey"], COSIGNATURE_V1)
        except NoteError as e:
            problems.append(f"{where}: vkey: {e}")
            continue
        if key.name != name:
            problems.append(f"{where}: vkey is the key of {key.name!r}, not of {name!r}")
            continue
        keys.append(key)
    if not (1 <= quorum <= len(witnesses) or quorum == 0 and not witnesses):
        problems.append(f"quorum {quorum} must be from 1 to the number of witnesses ({len(witnesses)}), "
                        "or 0 with no witnesses")
    if problems:
        return Policy(index, [], max(quorum, 1)), problems
    return Policy(index, keys, quorum), problems


def in_force(policies, index):
    """The policy in force at `index`: the latest one logged before it, or None."""
    found = None
    for p in policies:
        if p.index < index:
            found = p
    return found


def cosigned_message(text, t):
    """tlog-cosignature: `cosignature/v1` LF `time <t>` LF, then the checkpoint text."""
    return f"cosignature/v1\ntime {t}\n{text}".encode("utf-8")


def cosignature_time(key, text, raw):
    """The time t of a valid cosignature/v1 by `key` of the checkpoint `text`, else None."""
    if len(raw) != COSIGNATURE_LENGTH:
        return None
    t = int.from_bytes(raw[4:12], "big")
    return t if ed25519.verify(key.public_key, cosigned_message(text, t), raw[12:]) else None


class Cosigned:
    """A checkpoint of this log with its signature lines; `times` maps a known
    witness key (name, key id) to the times of its valid cosignatures."""

    def __init__(self, size, text, signatures):
        self.size, self.text, self.signatures = size, text, signatures
        self.times = {}

    def check(self, known):
        """Verifies the lines of the known keys ({(name, id): [VerifierKey]}); returns
        the names whose line does not verify (tampering).  Unknown keys are ignored."""
        bad = []
        for name, raw, _ in self.signatures:
            keys = known.get((name, raw[:4]), [])
            times = [t for t in (cosignature_time(k, self.text, raw) for k in keys) if t is not None]
            if keys and not times:
                bad.append(name)
            for t in times:
                self.times.setdefault((name, raw[:4]), []).append(t)
        return bad

    def count(self, policy, before=None):
        """How many distinct witnesses of `policy` cosigned this checkpoint (at t < before)."""
        return sum(1 for k in policy.keys
                   if any(before is None or t < before for t in self.times.get((k.name, k.id), ())))


def best(records, policy, above, before=None):
    """The largest number of distinct witnesses of `policy` on one record of size > `above`."""
    return max((r.count(policy, before) for r in records if r.size > above), default=0)


def known_keys(policies):
    """{(name, key id): [VerifierKey]} of every witness any policy names."""
    known = {}
    for p in policies:
        for k in p.keys:
            if all(x.public_key != k.public_key for x in known.get((k.name, k.id), [])):
                known.setdefault((k.name, k.id), []).append(k)
    return known
