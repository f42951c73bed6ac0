"""The package's one canonical JSON encoder (SPEC §4, LOG-FORMAT "Entries")."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from fairdraw_verify.canonical import canonical_json, parse_canonical  # noqa: E402


class CanonicalJson(unittest.TestCase):
    def test_control_characters_are_lower_case_u_escapes(self):
        # LOG-FORMAT "Entries": below U+0020 as \u00xx, never \n, \t, \b, \f, \r
        self.assertEqual(canonical_json("a\nb\tc\rd\be\ff\x00g\x1f"),
                         '"a\\u000ab\\u0009c\\u000dd\\u0008e\\u000cf\\u0000g\\u001f"')

    def test_only_quote_and_backslash_have_short_escapes(self):
        # a backslash followed by "n" is two characters, not a newline
        self.assertEqual(canonical_json('\\n"\\\\t'), '"\\\\n\\"\\\\\\\\t"')
        self.assertEqual(canonical_json("\x7f\u2028é中"), '"\x7f\u2028é中"')

    def test_sorted_keys_no_whitespace(self):
        self.assertEqual(canonical_json({"b": [1, True, None], "a": {"y": "", "x": 0}}),
                         '{"a":{"x":0,"y":""},"b":[1,true,null]}')

    def test_equals_spec_json_dumps_without_control_characters(self):
        v = {"名": ["中文", "\\", '"', 12345678901234567890], "k": {"z": False}}
        self.assertEqual(canonical_json(v), json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":")))

    def test_integers_only(self):
        with self.assertRaises(ValueError):
            canonical_json(1.5)

    def test_parse_canonical(self):
        self.assertEqual(parse_canonical(b'{"a":"x\\u000ay"}'), ({"a": "x\ny"}, None))
        _, err = parse_canonical(b'{"a":"x\\ny"}')
        self.assertIn("not in canonical form", err)
        _, err = parse_canonical(b'{"a":1.0}')
        self.assertIn("integers only", err)
        _, err = parse_canonical(b'{"a":NaN}')
        self.assertIn("not JSON", err)


if __name__ == "__main__":
    unittest.main()
