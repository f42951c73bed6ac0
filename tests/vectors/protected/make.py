"""Writes blinding.json: salts, blinds and blinded snapshot roots of a tiny
registry, computed from audit/LOG-FORMAT.md ("Salts and blinded leaves")
with the Python standard library only. Run: python3 make.py"""
import hashlib, hmac, json


def canonical(v):
    return json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


SECRET = bytes(range(32))


def salt(registry, key):
    msg = b"fairdraw-v1/salt\x00" + registry.encode() + b"\x00" + key
    return hmac.new(SECRET, msg, hashlib.sha256).digest()


def blind(s, leaf):
    return hashlib.sha256(b"fairdraw-v1/blind\x00" + s + leaf).hexdigest()


enterprises = [
    ["913301271357246856", "杭州智航便利店有限公司", "B", "330127", "F5213", "存续"],
    ["91330114MAWHGJ696T", "杭州佳苑缘餐饮管理有限公司", "A", "330114", "H6210", "存续"],
    ["91330110MAJXWX1B0H", "杭州合华快餐有限公司", "D", "330110", "H6220", "歇业"],
    ["92330122MAYPNKNF96", "桐庐县高记饭店", "A", "330122", "H6210", "存续"],
]
scope_statuses = ["存续"]
exclude = ["92330122MAYPNKNF96"]
inspectors = [
    ["33010201000001", "楼静然", "市场监督管理局", "330102", True, "inspector", ["价格", "计量", "食品"], "2031-03-06"],
    ["33010501000002", "吕建杰", "市场监督管理局", "330105", False, "inspector", ["广告", "价格", "食品"], ""],
]
conflicts = [["33010201000001", "913301271357246856"]]


def state(row):
    if row[5] not in scope_statuses:
        return "out"
    return "excluded" if row[0] in exclude else "eligible"


rows = []
blinded = {"enterprises": [], "inspectors": [], "conflicts": []}
for r in sorted(enterprises, key=lambda r: r[0]):
    leaf = canonical(r)
    s = salt("enterprises", r[0].encode())
    b = blind(s, leaf)
    bl = canonical([r[2], state(r), b])
    blinded["enterprises"].append(bl)
    rows.append({"registry": "enterprises", "key_hex": r[0].encode().hex(), "leaf": leaf.decode(), "salt": s.hex(), "blind": b, "blinded_leaf": bl.decode()})
for r in sorted(inspectors, key=lambda r: r[0]):
    leaf = canonical(r)
    s = salt("inspectors", r[0].encode())
    b = blind(s, leaf)
    bl = canonical([r[0], r[1], r[2], b])
    blinded["inspectors"].append(bl)
    rows.append({"registry": "inspectors", "key_hex": r[0].encode().hex(), "leaf": leaf.decode(), "salt": s.hex(), "blind": b, "blinded_leaf": bl.decode()})
for r in sorted(conflicts):
    leaf = canonical(r)
    key = r[0].encode() + b"\x00" + r[1].encode()
    s = salt("conflicts", key)
    b = blind(s, leaf)
    bl = canonical([b])
    blinded["conflicts"].append(bl)
    rows.append({"registry": "conflicts", "key_hex": key.hex(), "leaf": leaf.decode(), "salt": s.hex(), "blind": b, "blinded_leaf": bl.decode()})

snapshots = {}
for reg, leaves in blinded.items():
    leaves.sort()
    snapshots[reg] = {"leaves": [l.decode() for l in leaves], "root": mth(leaves).hex(), "count": len(leaves)}

out = {
    "what": "audit/LOG-FORMAT.md, Salts and blinded leaves: salts, blinds and blinded snapshots of a tiny registry",
    "secret": SECRET.hex(),
    "plan_scope": {"statuses": scope_statuses, "exclude": exclude},
    "rows": rows,
    "blinded": snapshots,
}
with open("blinding.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
