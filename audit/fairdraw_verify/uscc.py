"""SPEC §2: the USCC check character (GB 32100-2015)."""

from operator import mul

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_problem(u):
    """None when u is a valid USCC, else what is wrong with it."""
    if len(u) != 18:
        return f"USCC must have 18 characters, has {len(u)}"
    try:
        total = sum(map(mul, USCC_WEIGHTS, map(USCC_VALUE.__getitem__, u[:17])))    # Σ wᵢ·v(cᵢ)
        last = USCC_VALUE[u[17]]
    except KeyError:
        return "USCC contains a character outside 0-9 A-Y (no I O S V Z)"
    expected = (31 - total % 31) % 31
    if last != expected:
        return f"USCC check character should be {USCC_ALPHABET[expected]}"
    return None
