"""Merkle trees of RFC 6962 §2.1 (= RFC 9162 §2.1): hashes, proofs, checks.

Leaves are hashed as SHA-256(0x00 ‖ d), interior nodes as SHA-256(0x01 ‖ l ‖ r).
Functions taking `hashes` take a list of *leaf hashes*.
"""

import hashlib


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(data):
    """RFC 6962 §2.1: MTH({d}) = SHA-256(0x00 ‖ d)."""
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def _split(n):
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(hashes, lo=0, hi=None):
    """RFC 6962 §2.1: MTH(D[lo:hi]) from the leaf hashes (the empty tree hashes to SHA-256()).

    Computed level by level, without recursion: hash neighbours in pairs and
    carry an odd last node up unchanged.  This is the same tree as the RFC's
    split at the largest power of two k < n: the first k nodes pair up among
    themselves at every level (k is a power of two), and the rest is the
    same construction on D[k:n], whose odd node is carried until it meets
    its RFC sibling."""
    level = hashes[lo:hi]
    if not level:
        return sha256(b"")
    while len(level) > 1:
        paired = [sha256(b"\x01" + left + right) for left, right in zip(level[0::2], level[1::2])]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def prefix_roots(hashes):
    """MTH(D[0:n]) for n = 1 … len(hashes), in O(n log n).

    D[0:n] splits into perfect subtrees of decreasing size (the binary digits
    of n); the RFC 6962 root folds them from the right."""
    stack, roots = [], []                  # stack of (size, hash) of perfect subtrees
    for h in hashes:
        size = 1
        while stack and stack[-1][0] == size:
            s, left = stack.pop()
            h, size = node_hash(left, h), size * 2
        stack.append((size, h))
        r = stack[-1][1]
        for _, left in reversed(stack[:-1]):
            r = node_hash(left, r)
        roots.append(r)
    return roots


def inclusion_proof(hashes, m, lo=0, hi=None):
    """RFC 6962 §2.1.1 PATH(m, D[n]) (used by tests and for self-checks)."""
    hi = len(hashes) if hi is None else hi
    n = hi - lo
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return inclusion_proof(hashes, m, lo, lo + k) + [mth(hashes, lo + k, hi)]
    return inclusion_proof(hashes, m - k, lo + k, hi) + [mth(hashes, lo, lo + k)]


def consistency_proof(hashes, m, n=None):
    """RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m ≤ n."""
    n = len(hashes) if n is None else n

    def subproof(m, lo, hi, b):
        size = hi - lo
        if m == size:
            return [] if b else [mth(hashes, lo, hi)]
        k = _split(size)
        if m <= k:
            return subproof(m, lo, lo + k, b) + [mth(hashes, lo + k, hi)]
        return subproof(m - k, lo + k, hi, False) + [mth(hashes, lo, lo + k)]
    return subproof(m, 0, n, True)


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 §2.1.3.2: does `proof` show `leaf` (a leaf hash) at `index` of the
    tree of `size` leaves whose root is `root`?"""
    if index >= size or index < 0:                                   # step 1
        return False
    if not all(len(h) == 32 for h in (leaf, root, *proof)):          # SHA-256 hashes only
        return False
    fn, sn, r = index, size - 1, leaf                                # steps 2-3
    for p in proof:                                                  # step 4
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root                                     # step 5


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 §2.1.4.2: does `proof` show that the tree of `second` leaves
    (root `second_hash`) extends the tree of `first` leaves (root `first_hash`)?

    §2.1.4.2 covers 0 < first < second; for first == second the proof is empty
    and the roots are equal.  PROOF(0, D[n]) is not defined (§2.1.4.1): a
    proof from the empty tree is refused, as the
    transparency-dev test vectors (tests/vectors/rfc6962) expect."""
    if first <= 0 or first > second:
        return False
    if first == second:
        return not proof and first_hash == second_hash
    if not all(len(h) == 32 for h in (first_hash, second_hash, *proof)):
        return False
    if not proof:                                                    # step 1
        return False
    path = list(proof)
    if first & (first - 1) == 0:                                     # step 2: a power of two
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1                                   # step 3
    while fn & 1:                                                    # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]                                                # step 5
    for c in path[1:]:                                               # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0        # step 7
