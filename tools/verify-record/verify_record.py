#!/usr/bin/env python3
"""An independent verifier of a canvass published record.

Written from docs/RECORD.md, docs/CANONICAL.md and docs/AUDIT.md alone (and the
public standards they cite: RFC 9162 Merkle trees, RFC 8785 canonical JSON,
RFC 8032 Ed25519, C2SP signed notes and checkpoints), not from canvass's Rust
source, to show the record can be checked by someone who trusts none of it.
Standard library only (Python 3.11), so an observer needs nothing but Python.

Usage: verify_record.py RECORD_DIR [--key PUBKEY_LINE_OR_FILE]

Prints `FAIL  <file>, <entry>: <what is wrong>` for each failure and ends with
PASS or FAIL; exit status 0 on PASS, 1 on any failure, 2 on bad usage.
"""

import base64
import csv
import hashlib
import json
import math
import os
import re
import sys

# ---------------------------------------------------------------- reporting


class Report:
    def __init__(self):
        self.failures = 0
        self.checks = 0

    def fail(self, file, entry, what):
        self.failures += 1
        print(f"FAIL  {file}, {entry}: {what}")

    def ok(self, what):
        self.checks += 1
        print(f"ok    {what}")

    def note(self, what):
        print(f"note  {what}")


class Stop(Exception):
    """A failure after which nothing else can be trusted (the log)."""


# ---------------------------------------------------------------- RFC 8032 Ed25519 (verify only)

_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _pt_add(a, b):
    # extended coordinates (X, Y, Z, T), RFC 8032 §5.1.4
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % _P
    bb = (y1 + x1) * (y2 + x2) % _P
    cc = t1 * 2 * _D * t2 % _P
    dd = z1 * 2 * z2 % _P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _pt_mul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _pt_add(q, pt)
        pt = _pt_add(pt, pt)
        s >>= 1
    return q


def _pt_equal(a, b):
    x1, y1, z1, _ = a
    x2, y2, z2, _ = b
    return (x1 * z2 - x2 * z1) % _P == 0 and (y1 * z2 - y2 * z1) % _P == 0


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(b):
    if len(b) != 32:
        return None
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_G = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % _P)


def ed25519_verify(public, msg, sig):
    """RFC 8032 §5.1.7: [S]B = R + [k]A (cofactorless), S < q."""
    if len(public) != 32 or len(sig) != 64:
        return False
    a = _decompress(public)
    r = _decompress(sig[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(sig[32:], "little")
    if s >= _Q:
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + public + msg).digest(), "little") % _Q
    return _pt_equal(_pt_mul(s, _G), _pt_add(r, _pt_mul(k, a)))


# ---------------------------------------------------------------- RFC 8785 canonical JSON (no fractions)


# RFC 8785 §3.2.2.2: the characters with a two-character escape.
_JCS_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _jcs_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in _JCS_ESCAPES:
            out.append(_JCS_ESCAPES[ch])
        elif o < 0x20 or 0xD800 <= o <= 0xDFFF:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _utf16_key(s):
    return s.encode("utf-16-be")


def jcs(value):
    """RFC 8785 text of a parsed JSON value (floats only when integral)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        raise ValueError("a fractional number in canonical JSON")
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=_utf16_key)
        return "{" + ",".join(_jcs_string(k) + ":" + jcs(value[k]) for k in keys) + "}"
    raise ValueError(f"not a JSON value: {type(value).__name__}")


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError(f"duplicate member {k!r}")
        d[k] = v
    return d


def parse_json(text):
    return json.loads(text, object_pairs_hook=_no_duplicates)


# ---------------------------------------------------------------- RFC 9162 Merkle tree


def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(d):
    return sha256(b"\x00" + d)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def mth_of_hashes(hashes):
    """MTH over leaf hashes. Pairing level by level and carrying an odd last
    node up unchanged gives the same tree as RFC 9162's split at the largest
    power of two smaller than n."""
    if not hashes:
        return sha256(b"")
    level = list(hashes)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def tree_levels(hashes):
    """Every level of the tree, leaves first (an odd last node carried up)."""
    levels = [list(hashes)]
    while len(levels[-1]) > 1:
        level = levels[-1]
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        levels.append(nxt)
    return levels


def inclusion_path_fast(m, levels):
    """The same audit path as `inclusion_path`, read off the stored levels:
    at each level the sibling, when there is one (a carried node has none)."""
    path = []
    for level in levels[:-1]:
        sib = m ^ 1
        if sib < len(level):
            path.append(level[sib])
        m >>= 1
    return path


def _split(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _mth_rec(h):
    return mth_of_hashes(h)


def inclusion_path(m, h):
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) over leaf hashes h."""
    n = len(h)
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return inclusion_path(m, h[:k]) + [_mth_rec(h[k:])]
    return inclusion_path(m - k, h[k:]) + [_mth_rec(h[:k])]


def _walk(fn, sn, path):
    """The walk up the tree that RFC 9162 §2.1.3.2 and §2.1.4.2 share, from
    node indexes fn and sn: for each node of path, whether it is hashed on
    the left of the running hash. Returns (steps, sn) with steps a list of
    (node, on_the_left), or None when the path is longer than the tree."""
    steps = []
    for c in path:
        if sn == 0:
            return None
        left = bool(fn & 1 or fn == sn)
        steps.append((c, left))
        if left and not fn & 1:
            while True:
                fn >>= 1
                sn >>= 1
                if fn & 1 or fn == 0:
                    break
        fn >>= 1
        sn >>= 1
    return steps, sn


def verify_inclusion(index, size, lhash, path, root):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    walked = _walk(index, size - 1, path)
    if walked is None:
        return False
    steps, sn = walked
    r = lhash
    for p, left in steps:
        r = node_hash(p, r) if left else node_hash(r, p)
    return sn == 0 and r == root


def consistency_proof(m, h):
    """RFC 9162 §2.1.4.1 PROOF(m, D[n])."""

    def subproof(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [_mth_rec(d)]
        k = _split(n)
        if m <= k:
            return subproof(m, d[:k], b) + [_mth_rec(d[k:])]
        return subproof(m - k, d[k:], False) + [_mth_rec(d[:k])]

    return subproof(m, h, True)


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 §2.1.4.2."""
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0:
        return not proof
    if first > second or not proof:
        return False
    if first & (first - 1) == 0:  # a power of two
        proof = [first_hash] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    walked = _walk(fn, sn, proof[1:])
    if walked is None:
        return False
    steps, sn = walked
    fr = sr = proof[0]
    for c, left in steps:
        if left:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
        else:
            sr = node_hash(sr, c)
    return fr == first_hash and sr == second_hash and sn == 0


# ---------------------------------------------------------------- canvass.card.v2 (CANONICAL.md)


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _str(s):
    b = s.encode("utf-8")
    return uvarint(len(b)) + b


def _ostr(s):
    if s is None:
        return b"\x00"
    b = s.encode("utf-8")
    return uvarint(len(b) + 1) + b


def card_leaf(card):
    out = bytearray(_str("canvass.card.v2"))
    out += _str(card["id"])
    out += _ostr(card["ballot_id"])
    out += _ostr(card["tabulator"])
    out += _ostr(card["batch"])
    out += b"\x00" if card["position"] is None else uvarint(card["position"] + 1)
    out += _ostr(card["imprinted_id"])
    out += _ostr(card["precinct"])
    out += _ostr(card["ballot_style"])
    out += _ostr(card["counting_group"])
    contests = sorted(card["contests"].items(), key=lambda kv: kv[0].encode("utf-8"))
    out += uvarint(len(contests))
    for cid, marks in contests:
        out += _str(cid)
        out += uvarint(len(marks))
        for rank, cand in sorted(
            marks, key=lambda m: (m[0], m[1] is not None, (m[1] or "").encode("utf-8"))
        ):
            out += uvarint(rank)
            out += _ostr(cand)
    return bytes(out)


def _opt_text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        raise ValueError("a boolean where text was expected")
    if isinstance(v, (int, float)):
        return str(int(v)) if float(v).is_integer() else str(v)
    return str(v)


def read_cdf_cards(path):
    """The cards of a CDF JSON file as RECORD.md, *Card leaves*, maps them.
    Returns (cards, election) where election has contest and candidate names."""
    with open(path, "rb") as f:
        doc = parse_json(f.read().decode("utf-8"))
    # RECORD.md, *Card leaves*: contests and candidates are known by name; the
    # external id of each is the @id of the first definition with that name.
    selection_candidate = {}  # (contest @id, selection @id) -> candidate external id
    contest_external = {}  # contest @id -> contest external id
    contest_name = {}  # contest external id -> name
    candidate_name = {}  # candidate external id -> name
    gp_unit_name = {}
    for u in doc.get("GpUnit", []):
        if "@id" in u:
            gp_unit_name[u["@id"]] = u.get("Name", u["@id"])
    first_contest_by_name = {}
    candidates_of_contest = {}  # contest external id -> {candidate name: external id}
    for e in doc.get("Election", []):
        people = {c["@id"]: c.get("Name", c["@id"]) for c in e.get("Candidate", [])}
        for ct in e.get("Contest", []):
            nm = ct.get("Name", ct["@id"])
            ext = first_contest_by_name.setdefault(nm, ct["@id"])
            contest_external[ct["@id"]] = ext
            contest_name[ext] = nm
            first_sel_by_name = candidates_of_contest.setdefault(ext, {})
            for s in ct.get("ContestSelection", []):
                ids = s.get("CandidateIds") or []
                if s.get("IsWriteIn") is True:
                    cn = "Undeclared Write-ins"
                elif not ids:
                    cn = s["@id"]
                else:
                    cn = " / ".join(people.get(i, i) for i in ids)
                cext = first_sel_by_name.setdefault(cn, s["@id"])
                selection_candidate[(ct["@id"], s["@id"])] = cext
                candidate_name[cext] = cn
    cards = []
    for i, cvr in enumerate(doc.get("CVR", [])):
        where = f"CVR {i + 1}"
        if "UniqueId" not in cvr and "BallotPrePrintedId" not in cvr:
            raise ValueError(f"{where}: no UniqueId or BallotPrePrintedId")
        pos = cvr.get("BatchSequenceId")
        if pos is not None:
            pos = int(pos)
        card = {
            "id": _opt_text(cvr.get("UniqueId", cvr.get("BallotPrePrintedId"))),
            "imprinted_id": _opt_text(cvr.get("BallotPrePrintedId")),
            "ballot_id": _opt_text(cvr.get("BallotAuditId")),
            "batch": _opt_text(cvr.get("BatchId")),
            "position": pos,
            "tabulator": _opt_text(cvr.get("CreatingDeviceId")),
            "ballot_style": _opt_text(cvr.get("BallotStyleId")),
            "precinct": None
            if cvr.get("BallotStyleUnitId") is None
            else gp_unit_name.get(cvr["BallotStyleUnitId"], cvr["BallotStyleUnitId"]),
            "counting_group": None,
            "contests": {},
        }
        current = cvr.get("CurrentSnapshotId")
        snaps = cvr.get("CVRSnapshot", [])
        snap = next((s for s in snaps if s.get("@id") == current), None)
        if snap is None:
            if len(snaps) == 1:
                snap = snaps[0]
            else:
                raise ValueError(f"{where} ({card['id']}): no CVRSnapshot with @id {current!r}")
        for cc in snap.get("CVRContest", []):
            if cc["ContestId"] not in contest_external:
                raise ValueError(f"{where} ({card['id']}): unknown ContestId {cc['ContestId']!r}")
            cid = contest_external[cc["ContestId"]]
            if cid in card["contests"]:
                raise ValueError(f"{where} ({card['id']}): contest {cid!r} twice")
            marks = []
            for sel in cc.get("CVRContestSelection", []):
                sid = sel.get("ContestSelectionId")
                cand = None
                if sid is not None:
                    cand = selection_candidate.get((cc["ContestId"], sid))
                    if cand is None:
                        raise ValueError(f"{where} ({card['id']}): unknown ContestSelectionId {sid!r}")
                for sp in sel.get("SelectionPosition", []):
                    indicated = sp.get("HasIndication", "yes") == "yes"
                    rank = int(sp.get("Rank", 1))
                    if rank < 1:
                        raise ValueError(f"{where} ({card['id']}): Rank {rank}")
                    if cand is None:
                        if indicated and sp.get("IsAllocable") == "no":
                            marks.append((rank, None))
                        continue
                    if not indicated or sp.get("NumberVotes") == 0:
                        continue
                    marks.append((rank, cand))
            card["contests"][cid] = marks
        cards.append(card)
    return cards, {"contest_name": contest_name, "candidate_name": candidate_name}


# ---------------------------------------------------------------- the record

ALLOWED = [
    r"log\.jsonl",
    r"log\.pub",
    r"checkpoints/[0-9]{8,}\.note",
    r"cvrs\.cdf\.json",
    r"manifest\.csv",
    r"commitment\.json",
    r"inputs\.json",
    r"audit\.json",
    r"cards\.csv",
    r"seed\.json",
    r"round-[0-9]+/(round\.json|sample\.csv|retrieval\.csv)",
    r"mvr-files/[0-9]{4,}\.(csv|json)",
    r"mvrs\.csv",
    r"mvr-imports\.json",
    r"discrepancies\.csv",
    r"status\.json",
    r"report\.txt",
    r"batch-tallies\.csv",
    r"hand-tally-files/[0-9]{4,}\.csv",
    r"hand-tallies\.csv",
    r"hand-tally-imports\.json",
    r"findings/[0-9]{8}-[A-Za-z0-9_.-]+\.json",
]
ALLOWED_RE = re.compile("^(" + "|".join(ALLOWED) + ")$")


def read_key_line(line, where, rep):
    m = re.fullmatch(r"([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)", line.strip())
    if not m:
        rep.fail(where, "the file", "not a C2SP verifier key <name>+<8 hex>+<base64>")
        raise Stop
    name, kid, b64 = m.groups()
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != 0x01:
        rep.fail(where, "the file", "key is not 0x01 || 32-byte Ed25519 public key")
        raise Stop
    want = sha256(name.encode() + b"\n" + raw)[:4].hex()
    if want != kid:
        rep.fail(where, "the file", f"key id {kid} is not SHA-256(name || 0x0A || key)[:4] = {want}")
        raise Stop
    return name, bytes.fromhex(kid), raw[1:]


def check_log(rec, key_arg, rep):
    """RECORD.md check 1. Returns the parsed events."""
    with open(os.path.join(rec, "log.pub"), "rb") as f:
        pub_line = f.read().decode("utf-8")
    name, kid, pub = read_key_line(pub_line, "log.pub", rep)
    if key_arg is not None:
        text = key_arg
        if os.path.exists(key_arg):
            with open(key_arg, encoding="utf-8") as f:
                text = f.read()
        if text.strip() != pub_line.strip():
            rep.fail("log.pub", "the file", "differs from the key given with --key")
            raise Stop
    else:
        rep.note("no --key given: trusting log.pub from the record (take the key from the jurisdiction)")

    with open(os.path.join(rec, "log.jsonl"), "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        rep.fail("log.jsonl", "the last line", "does not end in \\n")
        raise Stop
    lines = data.split(b"\n")[:-1] if data else []
    events = []
    for i, line in enumerate(lines, 1):
        if not line:
            rep.fail("log.jsonl", f"line {i}", "empty line")
            raise Stop
        try:
            ev = parse_json(line.decode("utf-8"))
            canon = jcs(ev).encode("utf-8")
        except (ValueError, UnicodeDecodeError) as e:
            rep.fail("log.jsonl", f"line {i}", f"not JSON: {e}")
            raise Stop
        if canon != line:
            rep.fail("log.jsonl", f"line {i}", "not canonical JSON (RFC 8785)")
            raise Stop
        if not isinstance(ev, dict) or set(ev) != {"files", "kind", "payload"}:
            rep.fail("log.jsonl", f"line {i}", "not an object with exactly files, kind, payload")
            raise Stop
        events.append(ev)
    hashes = [leaf_hash(line) for line in lines]

    cp_dir = os.path.join(rec, "checkpoints")
    notes = []
    for fn in sorted(os.listdir(cp_dir)) if os.path.isdir(cp_dir) else []:
        m = re.fullmatch(r"([0-9]{8,})\.note", fn)
        if not m:
            rep.fail(f"checkpoints/{fn}", "the file", "not a checkpoint name NNNNNNNN.note")
            continue
        notes.append((int(m.group(1)), fn))
    notes.sort()
    if not notes:
        rep.fail("checkpoints/", "the folder", "no checkpoints")
        raise Stop
    prev = None
    for size, fn in notes:
        where = f"checkpoints/{fn}"
        with open(os.path.join(cp_dir, fn), "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            rep.fail(where, "the file", "not UTF-8")
            continue
        sep = text.find("\n\n")
        if sep < 0:
            rep.fail(where, "the file", "no blank line between the checkpoint and its signatures")
            continue
        body = text[: sep + 1]
        sig_lines = text[sep + 2 :].split("\n")
        if sig_lines and sig_lines[-1] == "":
            sig_lines = sig_lines[:-1]
        blines = body.split("\n")[:-1]
        if len(blines) < 3:
            rep.fail(where, "the body", "fewer than 3 lines (origin, size, root)")
            continue
        verified = False
        for sl in sig_lines:
            m = re.fullmatch("\u2014 (\\S+) ([A-Za-z0-9+/=]+)", sl)
            if not m:
                rep.fail(where, "signature line", f"not '\u2014 <name> <base64>': {sl!r}")
                continue
            if m.group(1) != name:
                continue
            sb = base64.b64decode(m.group(2))
            if len(sb) != 68:
                rep.fail(where, "signature line", "signature is not 4 + 64 bytes")
                continue
            if sb[:4] != kid:
                continue
            if ed25519_verify(pub, body.encode("utf-8"), sb[4:]):
                verified = True
            else:
                rep.fail(where, "signature", f"Ed25519 signature by {name} does not verify")
        if not verified:
            rep.fail(where, "signature", f"no valid signature by the key {name}")
            raise Stop
        origin, size_s, root_b64 = blines[0], blines[1], blines[2]
        if origin != name:
            rep.fail(where, "origin", f"{origin!r} is not the key's name {name!r}")
        if not re.fullmatch(r"0|[1-9][0-9]*", size_s) or int(size_s) != size:
            rep.fail(where, "tree size", f"{size_s!r} is not the file's number {size}")
            raise Stop
        ts = None
        for extra in blines[3:]:
            if extra.startswith("timestamp "):
                try:
                    ts = int(extra[len("timestamp ") :])
                except ValueError:
                    rep.fail(where, "timestamp", f"not a number: {extra!r}")
        if ts is None:
            rep.fail(where, "timestamp", "no timestamp line")
        root = base64.b64decode(root_b64)
        if size > len(hashes):
            rep.fail(where, "tree size", f"{size} is more than the {len(hashes)} lines of log.jsonl")
            raise Stop
        want = mth_of_hashes(hashes[:size])
        if root != want:
            rep.fail(where, "root hash", f"is not MTH of the first {size} lines of log.jsonl")
            raise Stop
        if prev is not None:
            psize, proot, pts, pfn = prev
            if ts is not None and pts is not None and ts < pts:
                rep.fail(where, "timestamp", f"{ts} is earlier than {pfn}'s {pts}")
            proof = consistency_proof(psize, hashes[:size]) if 0 < psize < size else []
            if not verify_consistency(psize, size, proot, root, proof):
                rep.fail(where, "consistency", f"not consistent with checkpoints/{pfn}")
                raise Stop
        prev = (size, root, ts, fn)
    if prev[0] != len(hashes):
        rep.fail("log.jsonl", "the file", f"{len(hashes)} lines but the last checkpoint signs {prev[0]}")
        raise Stop
    rep.ok(
        f"log: {len(lines)} canonical events, {len(notes)} checkpoints signed by {name}, "
        f"roots and consistency proofs verify; root {prev[1].hex()}"
    )
    return events, hashes


def list_record_files(rec):
    out = []
    for dirpath, dirnames, filenames in os.walk(rec):
        dirnames.sort()
        for fn in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, fn), rec).replace(os.sep, "/")
            out.append(rel)
    return out


def file_digest(path):
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
    return h.hexdigest(), n


def check_files(rec, events, rep):
    """RECORD.md check 2."""
    last = {}
    for i, ev in enumerate(events, 1):
        if ev["kind"] == "input":
            continue
        for f in ev["files"]:
            last[f["path"]] = (f, i)
    bad = 0
    for path, (f, line) in sorted(last.items()):
        full = os.path.join(rec, path)
        if not os.path.isfile(full):
            rep.fail(path, "the file", f"missing (named by log.jsonl line {line})")
            bad += 1
            continue
        digest, n = file_digest(full)
        if digest != f["sha256"] or n != f["bytes"]:
            rep.fail(
                path,
                "the file",
                f"SHA-256 {digest} / {n} bytes, but log.jsonl line {line} says {f['sha256']} / {f['bytes']} bytes",
            )
            bad += 1
    own = {"log.jsonl", "log.pub"}
    for rel in list_record_files(rec):
        if not ALLOWED_RE.match(rel):
            rep.note(f"{rel} is not a record file (not in RECORD.md's allow-list); ignored")
            continue
        if rel in own or rel.startswith("checkpoints/"):
            continue
        if rel not in last:
            rep.fail(rel, "the file", "a public file no event names")
            bad += 1
    if not bad:
        rep.ok(f"files: {len(last)} files match the SHA-256 and size of the last event naming them")


def check_order(events, rep):
    """RECORD.md check 3. Returns the commitment payload (or None)."""
    kinds = [e["kind"] for e in events]
    com = [i for i, k in enumerate(kinds) if k == "commitment"]
    seeds = [i for i, k in enumerate(kinds) if k == "seed"]
    samples = [i for i, k in enumerate(kinds) if k == "sample"]
    ok = True
    if len(com) != 1:
        rep.fail("log.jsonl", "the file", f"{len(com)} commitment events, expected exactly 1")
        return None
    if len(seeds) > 1:
        rep.fail("log.jsonl", f"line {seeds[1] + 1}", "a second seed event")
        ok = False
    if seeds and seeds[0] < com[0]:
        rep.fail("log.jsonl", f"line {seeds[0] + 1}", "the seed comes before the commitment")
        ok = False
    if samples and (not seeds or samples[0] < seeds[0]):
        rep.fail("log.jsonl", f"line {samples[0] + 1}", "a sample before the seed")
        ok = False
    commitment = events[com[0]]["payload"]
    if seeds and events[seeds[0]]["payload"].get("commitment_root") != commitment.get("root"):
        rep.fail("log.jsonl", f"line {seeds[0] + 1}", "the seed's commitment_root is not the committed root")
        ok = False
    if ok:
        rep.ok("order: one commitment, then the seed (naming the committed root), then the samples")
    return commitment


def check_commitment(rec, commitment, rep):
    """RECORD.md check 4 (ballot comparison). Returns (cards, election, leaf hashes)."""
    with open(os.path.join(rec, "commitment.json"), "rb") as f:
        cj = f.read()
    if cj != jcs(commitment).encode("utf-8"):
        rep.fail("commitment.json", "the file", "is not the canonical JSON of the commitment event's payload")
    enc = commitment.get("leaf_encoding")
    if enc != "canvass.card.v2":
        rep.fail("commitment.json", "leaf_encoding", f"{enc!r}: this verifier rebuilds canvass.card.v2 only")
        return None
    if commitment.get("tree") != "rfc9162-sha256":
        rep.fail("commitment.json", "tree", f"{commitment.get('tree')!r} is not rfc9162-sha256")
    try:
        cards, election = read_cdf_cards(os.path.join(rec, "cvrs.cdf.json"))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        rep.fail("cvrs.cdf.json", "the file", f"cannot be read: {e}")
        return None
    hashes = [leaf_hash(card_leaf(c)) for c in cards]
    root = mth_of_hashes(hashes).hex()
    good = True
    if len(cards) != commitment.get("cards"):
        rep.fail("commitment.json", "cards", f"{commitment.get('cards')} but cvrs.cdf.json holds {len(cards)}")
        good = False
    if root != commitment.get("root"):
        rep.fail("cvrs.cdf.json", "the file", f"root of its card leaves is {root}, the commitment says {commitment.get('root')}")
        good = False
    man = commitment.get("manifest") or {}
    if man.get("path") == "manifest.csv" and os.path.isfile(os.path.join(rec, "manifest.csv")):
        digest, n = file_digest(os.path.join(rec, "manifest.csv"))
        if (digest, n) != (man.get("sha256"), man.get("bytes")):
            rep.fail("manifest.csv", "the file", "is not the manifest the commitment names (SHA-256 or size)")
            good = False
    if not good:
        return None
    rep.ok(f"commitment: {len(cards)} canvass.card.v2 leaves of cvrs.cdf.json give the committed root {root}")
    return cards, election, hashes


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def check_inclusion(rec, events, cards, hashes, commitment, rep):
    """RECORD.md check 6, the inclusion proof of every newly drawn card with a CVR."""
    index = {c["id"]: i for i, c in enumerate(cards)}
    levels = tree_levels(hashes)
    root = bytes.fromhex(commitment["root"])
    n = 0
    bad = 0
    for ev in events:
        if ev["kind"] != "sample":
            continue
        r = ev["payload"].get("round")
        path = f"round-{r}/sample.csv"
        try:
            rows = read_csv(os.path.join(rec, path))
        except OSError as e:
            rep.fail(path, "the file", f"cannot be read: {e}")
            bad += 1
            continue
        for line, row in enumerate(rows, 2):
            cid = row.get("card_id", "")
            if row.get("new") != "yes" or not cid:
                continue
            i = index.get(cid)
            if i is None:
                rep.fail(path, f"line {line}", f"card {cid!r} is not in cvrs.cdf.json")
                bad += 1
                continue
            proof = inclusion_path_fast(i, levels)
            if n < 8 and proof != inclusion_path(i, hashes):
                rep.fail(path, f"line {line}", "internal: the two inclusion path builders disagree")
            if not verify_inclusion(i, len(hashes), hashes[i], proof, root):
                rep.fail(path, f"line {line}", f"card {cid!r}: inclusion proof does not verify")
                bad += 1
            n += 1
    if not bad:
        rep.ok(f"inclusion: {n} newly drawn cards proved included in the committed root")


def tabulate(rec, cards, election, rep):
    """RECORD.md check 5, plurality contests: the reported tallies, winners and
    CVR counts of audit.json from the cards."""
    try:
        with open(os.path.join(rec, "audit.json"), encoding="utf-8") as f:
            audit = parse_json(f.read())
    except (OSError, ValueError) as e:
        rep.fail("audit.json", "the file", f"cannot be read: {e}")
        return
    by_name = {}
    for cid, nm in election["contest_name"].items():
        by_name.setdefault(nm, []).append(cid)
    done = 0
    for ci, c in enumerate(audit.get("contests", [])):
        where = f"contest {c.get('name')!r}"
        kind = (c.get("rule") or {}).get("kind")
        if kind != "plurality":
            rep.note(f"audit.json, {where}: {kind} contest not tabulated by this verifier")
            continue
        ids = by_name.get(c["name"], [])
        if len(ids) != 1:
            rep.fail("audit.json", where, f"{len(ids)} contests of cvrs.cdf.json have this name")
            continue
        cid = ids[0]
        cands = c["candidates"]
        write_in = c.get("write_in")
        limit = c.get("vote_limit")
        tally = [0] * len(cands)
        holding = 0
        unknown = set()
        for card in cards:
            marks = card["contests"].get(cid)
            if marks is None:
                continue
            holding += 1
            names = []
            over = False
            for rank, cand in marks:
                if cand is None:
                    over = True
                    continue
                names.append(election["candidate_name"].get(cand, cand))
            if over or (limit is not None and len(set(names)) > limit):
                continue
            for nm in set(names):
                if nm in cands:
                    tally[cands.index(nm)] += 1
                elif write_in is not None:
                    unknown.add(nm)
                    tally[write_in] += 1
        good = True
        if tally != c.get("reported"):
            rep.fail("audit.json", f"{where}, field reported", f"{c.get('reported')} but the CVRs give {tally}")
            good = False
        if holding != c.get("cvr_cards"):
            rep.fail("audit.json", f"{where}, field cvr_cards", f"{c.get('cvr_cards')} but {holding} CVRs hold it")
            good = False
        seats = c.get("seats", 1)
        order = sorted(range(len(cands)), key=lambda k: -tally[k])
        winners = sorted(order[:seats])
        if seats < len(cands) and tally[order[seats - 1]] == tally[order[seats]]:
            rep.note(f"audit.json, {where}: a tie for the last seat; winners not recomputed")
        elif winners != sorted(c.get("winners", [])):
            rep.fail("audit.json", f"{where}, field winners", f"{c.get('winners')} but the CVRs' tally gives {winners}")
            good = False
        if good:
            done += 1
            rep.ok(
                f"tabulation: {c['name']}: "
                + ", ".join(f"{cands[k]} {tally[k]}" for k in range(len(cands)))
                + f"; winner(s) {', '.join(cands[k] for k in winners)}"
            )


# ---------------------------------------------------------------- the sample (AUDIT.md, *Universe and sampling*)


def first_fraction(seed, ident):
    """Rivest's consistent_sampler first_fraction: sha256_uniform(sha256_hex(seed)
    + str(id)), where sha256_uniform writes the digest as a decimal integer
    zero-padded to 64 digits, reverses the digits and prefixes "0."."""
    seed_hex = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    x = int.from_bytes(hashlib.sha256((seed_hex + ident).encode("utf-8")).digest(), "big")
    return "0." + ("%064d" % x)[::-1]


def _natural_key(s):
    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.findall(r"[0-9]+|[^0-9]+", s)]


def check_samples(rec, events, rep):
    """RECORD.md check 6, `sample` events: each round's draws recomputed from
    the seed, given the round's sample sizes in round.json."""
    try:
        with open(os.path.join(rec, "seed.json"), encoding="utf-8") as f:
            seed = parse_json(f.read())["seed"]
        cards = read_csv(os.path.join(rec, "cards.csv"))
        with open(os.path.join(rec, "audit.json"), encoding="utf-8") as f:
            contests = [c["name"] for c in parse_json(f.read())["contests"]]
    except (OSError, ValueError, KeyError) as e:
        rep.fail("seed.json / cards.csv / audit.json", "the file", f"cannot be read: {e}")
        return
    seeds = [e for e in events if e["kind"] == "seed"]
    if seeds and seeds[0]["payload"].get("seed") != seed:
        rep.fail("seed.json", "seed", "differs from the logged seed")
    tickets = [first_fraction(seed, str((c["batch"], int(c["position"])))) for c in cards]
    order = sorted(range(len(cards)), key=lambda i: (tickets[i], i))
    universe = {
        name: [i for i in order if cards[i].get("phantom") == "yes" or cards[i].get(name, "") != ""]
        for name in contests
    }
    drawn = set()
    prev = {name: 0 for name in contests}
    rounds = 0
    bad = 0
    for ev in events:
        if ev["kind"] != "sample":
            continue
        r = ev["payload"].get("round")
        where = f"round-{r}"
        try:
            with open(os.path.join(rec, where, "round.json"), encoding="utf-8") as f:
                rj = parse_json(f.read())
            rows = read_csv(os.path.join(rec, where, "sample.csv"))
            retrieval = read_csv(os.path.join(rec, where, "retrieval.csv"))
        except (OSError, ValueError) as e:
            rep.fail(where, "the files", f"cannot be read: {e}")
            bad += 1
            continue
        want = []
        new_now = []
        drawn_for = {}
        for c in rj.get("contests", []):
            name = c["contest"]
            if name not in universe:
                rep.fail(f"{where}/round.json", f"contest {name!r}", "not a contest of audit.json")
                bad += 1
                continue
            size = c["sample_size"]
            if size < prev[name] or size > len(universe[name]):
                rep.fail(f"{where}/round.json", f"contest {name!r}", f"sample size {size} is not between {prev[name]} and the universe")
                bad += 1
                continue
            for seq in range(prev[name] + 1, size + 1):
                i = universe[name][seq - 1]
                new = i not in drawn
                if new:
                    drawn.add(i)
                    new_now.append(i)
                drawn_for.setdefault(i, []).append(name)
                cd = cards[i]
                want.append(
                    {
                        "contest": name,
                        "sequence": str(seq),
                        "ticket": tickets[i],
                        "tabulator": cd["tabulator"],
                        "batch": cd["batch"],
                        "position": cd["position"],
                        "card_id": cd["card_id"],
                        "new": "yes" if new else "no",
                    }
                )
            prev[name] = size
        for k in range(max(len(want), len(rows))):
            w = want[k] if k < len(want) else None
            g = dict(rows[k]) if k < len(rows) else None
            if w != g:
                rep.fail(f"{where}/sample.csv", f"line {k + 2}", f"is {g} but the seed draws {w}")
                bad += 1
                break
        want_ret = sorted(
            new_now,
            key=lambda i: (_natural_key(cards[i]["tabulator"]), _natural_key(cards[i]["batch"]), int(cards[i]["position"])),
        )
        got_ret = [(x.get("tabulator"), x.get("batch"), x.get("position"), x.get("ticket")) for x in retrieval]
        exp_ret = [(cards[i]["tabulator"], cards[i]["batch"], cards[i]["position"], tickets[i]) for i in want_ret]
        if got_ret != exp_ret:
            k = next((k for k in range(max(len(got_ret), len(exp_ret))) if got_ret[k : k + 1] != exp_ret[k : k + 1]), 0)
            rep.fail(f"{where}/retrieval.csv", f"line {k + 2}", f"is {got_ret[k:k + 1]} but the draw gives {exp_ret[k:k + 1]}")
            bad += 1
        if ev["payload"].get("new_cards") != len(new_now):
            rep.fail("log.jsonl", f"sample event of round {r}", f"new_cards {ev['payload'].get('new_cards')} but the draw gives {len(new_now)}")
            bad += 1
        rounds += 1
    if not bad:
        rep.ok(f"sample: {rounds} rounds' draws ({len(drawn)} cards) recomputed from the seed match sample.csv and retrieval.csv")
    rep.note("round sizes (the risk function's sample-size rule) are not recomputed by this verifier")


# ---------------------------------------------------------------- discrepancies and risk (AUDIT.md, *Method*)

GAMMA = 1.03905


def _cell_votes(cell, contest):
    """The votes of a selection cell (AUDIT.md, *Selection cells*) for a
    plurality contest: None when the contest is not on the card, "not found",
    else a list of candidate indexes (empty for blank or an overvote)."""
    cell = cell.strip()
    if cell == "":
        return None
    if cell.lower() == "not found":
        return "not found"
    if cell.lower() in ("blank", "overvote"):
        return []
    cands = contest["candidates"]
    out = []
    for part in cell.split(";"):
        nm = part.strip()
        if nm.lower() == "write-in":
            out.append(contest["write_in"])
            continue
        if nm in cands:
            out.append(cands.index(nm))
            continue
        folded = [k for k, c in enumerate(cands) if c.lower() == nm.lower()]
        if len(folded) != 1:
            raise ValueError(f"{nm!r} is not a candidate")
        out.append(folded[0])
    limit = contest.get("vote_limit")
    if limit is not None and len(set(out)) > limit:
        return []
    return sorted(set(out))


def check_risks(rec, rep):
    """RECORD.md check 6 at its end, plurality contests with kaplan-markov:
    each card's discrepancy from cards.csv (CVR) and mvrs.csv (paper), the
    counts and the risk in status.json."""
    try:
        with open(os.path.join(rec, "audit.json"), encoding="utf-8") as f:
            audit = parse_json(f.read())
        with open(os.path.join(rec, "status.json"), encoding="utf-8") as f:
            status = parse_json(f.read())
        with open(os.path.join(rec, "seed.json"), encoding="utf-8") as f:
            seed = parse_json(f.read())["seed"]
        cards = read_csv(os.path.join(rec, "cards.csv"))
        mvrs = read_csv(os.path.join(rec, "mvrs.csv"))
    except (OSError, ValueError, KeyError) as e:
        rep.fail("audit.json / status.json / cards.csv / mvrs.csv", "the file", f"cannot be read: {e}")
        return
    if audit.get("method") != "comparison" or audit.get("risk_function", "kaplan-markov") != "kaplan-markov":
        rep.note("risks: only kaplan-markov comparison audits are recomputed by this verifier")
        return
    key = lambda r: (r.get("tabulator", ""), r["batch"], r["position"])
    paper = {key(r): r for r in mvrs}
    tickets = [first_fraction(seed, str((c["batch"], int(c["position"])))) for c in cards]
    order = sorted(range(len(cards)), key=lambda i: (tickets[i], i))
    st_by_name = {c["contest"]: c for c in status.get("contests", [])}
    for contest in audit.get("contests", []):
        name = contest["name"]
        if (contest.get("rule") or {}).get("kind") != "plurality":
            rep.note(f"risks: {name}: {(contest.get('rule') or {}).get('kind')} contest not recomputed")
            continue
        st = st_by_name.get(name)
        if st is None:
            rep.fail("status.json", f"contest {name!r}", "missing")
            continue
        if st.get("state") not in ("confirmed", "in_progress", "next_round"):
            rep.note(f"risks: {name}: state {st.get('state')} not recomputed")
            continue
        reported = contest["reported"]
        winners = contest["winners"]
        losers = [k for k in range(len(reported)) if k not in winners]
        pairs = [(w, l) for w in winners for l in losers]
        margins = {(w, l): reported[w] - reported[l] for (w, l) in pairs}
        v_min = min(margins.values())
        n = contest["universe"]
        u = 2 * GAMMA / (v_min / n)
        universe = [i for i in order if cards[i].get("phantom") == "yes" or cards[i].get(name, "") != ""]
        sample = universe[: st.get("sample_size", 0)]
        counts = dict.fromkeys(
            ["two_vote_over", "one_vote_over", "one_vote_under", "two_vote_under", "zero_weight", "not_found", "phantoms"], 0
        )
        ln_p = 0.0
        degenerate = False
        recorded = 0
        try:
            for i in sample:
                c = cards[i]
                pr = paper.get(key(c))
                if pr is None:
                    break
                recorded += 1
                phantom = c.get("phantom") == "yes"
                if phantom:
                    counts["phantoms"] += 1
                cvr = [] if phantom else (_cell_votes(c.get(name, ""), contest) or [])
                cvr_on = phantom or c.get(name, "") != ""
                pv = _cell_votes(pr.get(name, ""), contest)
                if pv == "not found":
                    counts["not_found"] += 1
                if pv == "not found" or (pv is None and cvr_on):
                    pv_votes = losers  # the worst case: a vote for every loser
                else:
                    pv_votes = pv or []
                overs = {
                    p: ((p[0] in cvr) - (p[1] in cvr)) - ((p[0] in pv_votes) - (p[1] in pv_votes)) for p in pairs
                }
                top = max(overs.values())
                low = min(overs.values())
                if pv != "not found":
                    if top >= 2:
                        counts["two_vote_over"] += 1
                    elif top == 1:
                        counts["one_vote_over"] += 1
                    elif low <= -2:
                        counts["two_vote_under"] += 1
                    elif low == -1:
                        counts["one_vote_under"] += 1
                    elif sorted(cvr) != sorted(pv_votes) or (pv is None) != (not cvr_on):
                        counts["zero_weight"] += 1
                e = max(0.0, max(overs[p] / margins[p] if margins[p] else math.inf for p in pairs))
                term = (1.0 - 1.0 / u) / (1.0 - e / (2.0 * GAMMA / v_min))
                if math.isnan(term) or term <= 0.0 or math.isinf(term):
                    degenerate = True
                else:
                    ln_p += math.log(term)
        except ValueError as err:
            rep.fail("cards.csv / mvrs.csv", f"contest {name!r}", str(err))
            continue
        good = True
        if recorded != st.get("recorded"):
            rep.fail("status.json", f"contest {name!r}, field recorded", f"{st.get('recorded')} but mvrs.csv gives {recorded}")
            good = False
        got = st.get("discrepancies", {})
        if any(got.get(k) != v for k, v in counts.items()):
            rep.fail("status.json", f"contest {name!r}, field discrepancies", f"{got} but cards.csv and mvrs.csv give {counts}")
            good = False
        risk = 1.0 if degenerate else min(math.exp(ln_p), 1.0)
        logged = float(st.get("risk"))
        if logged != risk:
            rep.fail("status.json", f"contest {name!r}, field risk", f"{st.get('risk')} but the discrepancies give {risk!r}")
            good = False
        confirmed = risk <= audit["risk_limit"]
        if confirmed != (st.get("state") == "confirmed"):
            rep.fail("status.json", f"contest {name!r}, field state", f"{st.get('state')} but the risk {risk!r} and limit {audit['risk_limit']}")
            good = False
        if good:
            rep.ok(f"risk: {name}: {recorded} cards, {counts}, Kaplan-Markov risk {risk!r} (status.json {st.get('risk')}): {st.get('state')}")


def check_batch_commitment(rec, commitment, rep):
    """RECORD.md, *Batch-comparison records*, check 4: the root over the data
    lines of batch-tallies.csv (each without its line end; not the header)."""
    with open(os.path.join(rec, "commitment.json"), "rb") as f:
        if f.read() != jcs(commitment).encode("utf-8"):
            rep.fail("commitment.json", "the file", "is not the canonical JSON of the commitment event's payload")
    with open(os.path.join(rec, "batch-tallies.csv"), "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines[1:]]
    root = mth_of_hashes([leaf_hash(ln) for ln in lines]).hex()
    if len(lines) != commitment.get("lines") or root != commitment.get("root"):
        rep.fail(
            "batch-tallies.csv",
            "the file",
            f"{len(lines)} lines with root {root}; the commitment says {commitment.get('lines')} lines, root {commitment.get('root')}",
        )
        return
    rep.ok(f"commitment: {len(lines)} lines of batch-tallies.csv give the committed root {root}")


def verify(rec, key_arg):
    rep = Report()
    try:
        events, _ = check_log(rec, key_arg, rep)
    except Stop:
        print("FAIL (the log does not verify; nothing else can be trusted)")
        return 1
    except (OSError, ValueError) as e:
        rep.fail("log", "the file", str(e))
        print("FAIL")
        return 1
    check_files(rec, events, rep)
    commitment = check_order(events, rep)
    if commitment is not None:
        if "leaf_encoding" in commitment:
            got = check_commitment(rec, commitment, rep)
            if got is not None:
                cards, election, hashes = got
                check_inclusion(rec, events, cards, hashes, commitment, rep)
                tabulate(rec, cards, election, rep)
            check_samples(rec, events, rep)
            check_risks(rec, rep)
        elif commitment.get("kind") == "batch-tallies":
            check_batch_commitment(rec, commitment, rep)
            rep.note("batch comparison: tallies, PPEB draws and MACRO risks are not recomputed by this verifier")
        else:
            rep.note("unknown commitment kind: commitment not rebuilt")
    if rep.failures:
        print(f"FAIL ({rep.failures} failures)")
        return 1
    print(f"PASS ({rep.checks} checks)")
    return 0


def main(argv):
    args = argv[1:]
    key = None
    if "--key" in args:
        i = args.index("--key")
        if i + 1 >= len(args):
            print("usage: verify_record.py RECORD_DIR [--key KEY]", file=sys.stderr)
            return 2
        key = args[i + 1]
        del args[i : i + 2]
    if len(args) != 1 or not os.path.isdir(args[0]):
        print("usage: verify_record.py RECORD_DIR [--key KEY]", file=sys.stderr)
        return 2
    try:
        return verify(args[0], key)
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        # Untrusted input: a malformed record is a failure, never a crash.
        print(f"FAIL  {args[0]}, the record: malformed or missing data ({type(e).__name__}: {e})")
        print("FAIL")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
