"""SPEC §2: the USCC check character (GB 32100-2015)."""

import re
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


# all_valid: the same check for a whole chunk of a registry at once.  The
# weights are 3^i mod 31, and 34 ≡ 3 (mod 31), so Σ wᵢ·v(cᵢ) ≡ Σ v(cᵢ)·34^i:
# a USCC reversed, its characters written as base-34 digits of their values,
# is one int() call instead of 17 multiplications.  With the check character
# (now the leading digit, weight 34^17 ≡ 22) the whole reversed code gives
# total + 22·v(c₁₇), and the code is valid when that is ≡ 21·v(c₁₇) (mod 31).
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWX"
_AS_DIGIT = str.maketrans({c: _DIGITS[v] for c, v in USCC_VALUE.items()})
_LAST = {_DIGITS[v]: 21 * v % 31 for v in USCC_VALUE.values()}
_CHARACTERS = re.compile(f"[{USCC_ALPHABET}]*")


def all_valid(usccs):
    """True when uscc_problem(u) is None for every u in the list usccs."""
    if any(len(u) != 18 for u in usccs) or not _CHARACTERS.fullmatch("".join(usccs)):
        return False                             # (int() below also takes "_", "+" and spaces)
    digits = "".join(usccs).translate(_AS_DIGIT)[::-1]      # the codes reversed, last one first
    return all(int(digits[s:s + 18], 34) % 31 == _LAST[digits[s]] for s in range(0, len(digits), 18))
