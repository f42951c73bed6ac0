"""Ed25519 signature verification, written from RFC 8032 (§5.1).

Only verification is needed (the log is signed by the writer).  Points are
kept in extended homogeneous coordinates (X:Y:Z:T) with x = X/Z, y = Y/Z,
x*y = T/Z (§5.1.4).  Python integers are used throughout; verification is
not constant-time, which is fine: nothing here is secret.
"""

import hashlib

P = 2**255 - 19                                                    # §5.1: the field GF(p)
D = -121665 * pow(121666, P - 2, P) % P                            # d = -121665/121666
L = 2**252 + 27742317777372353535851937790883648493                # the group order
SQRT_M1 = pow(2, (P - 1) // 4, P)                                  # sqrt(-1) = 2^((p-1)/4)


def _add(p1, p2):
    """§5.1.4 point addition ("add-2008-hwcd-3")."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return e * f % P, g * h % P, f * g % P, e * h % P


def _double(p1):
    """§5.1.4 point doubling ("dbl-2008-hwcd")."""
    x1, y1, z1, _ = p1
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1) % P
    g = a - b
    f = c + g
    return e * f % P, g * h % P, f * g % P, e * h % P


IDENTITY = (0, 1, 1, 0)


def _mul(k, p1):
    """[k]P by double-and-add."""
    q = IDENTITY
    while k:
        if k & 1:
            q = _add(q, p1)
        p1 = _double(p1)
        k >>= 1
    return q


def _equal(p1, p2):
    """Projective equality: x1/z1 = x2/z2 and y1/z1 = y2/z2."""
    return (p1[0] * p2[2] - p2[0] * p1[2]) % P == 0 and (p1[1] * p2[2] - p2[1] * p1[2]) % P == 0


def decode_point(s):
    """§5.1.3: 32 bytes -> point, or None when the encoding is invalid."""
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    x0 = y >> 255
    y &= (1 << 255) - 1
    if y >= P:                                                     # step 1
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P                    # step 2
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vx2 = v * x * x % P                                            # step 3
    if vx2 == u:
        pass
    elif vx2 == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None
    if x == 0 and x0 == 1:                                         # step 4
        return None
    if x & 1 != x0:
        x = P - x
    return x, y, 1, x * y % P


# the base point B (§5.1): y = 4/5, x positive (even)
_BY = 4 * pow(5, P - 2, P) % P
BASE = decode_point(_BY.to_bytes(32, "little"))
_BASE_POWERS = []                                                  # [2^i]B, for a faster [S]B
_q = BASE
for _ in range(253):
    _BASE_POWERS.append(_q)
    _q = _double(_q)


def _mul_base(k):
    q = IDENTITY
    for i in range(k.bit_length()):
        if k >> i & 1:
            q = _add(q, _BASE_POWERS[i])
    return q


def verify(public_key, message, signature):
    """§5.1.7: True when `signature` (64 bytes) is a valid Ed25519 signature of
    `message` (bytes) under `public_key` (32 bytes)."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = decode_point(public_key)                                   # step 1
    r = decode_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L   # step 2
    # step 3: [8][S]B = [8]R + [8][k]A'
    lhs = _mul_base(s)
    rhs = _add(r, _mul(k, a))
    for _ in range(3):
        lhs, rhs = _double(lhs), _double(rhs)
    return _equal(lhs, rhs)
