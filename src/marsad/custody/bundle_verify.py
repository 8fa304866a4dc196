#!/usr/bin/env python3
"""Verify a Marsad evidence bundle offline, with nothing but Python's standard library.

    python3 -I verify.py BUNDLE [--key KEY]   (BUNDLE: the bundle folder or its .zip;
        KEY: the workspace's published log.vkey file, its text, or its SHA256 fingerprint)

Checks, and names the file at fault when one fails:
  1. the BagIt manifests: every file's SHA-256 is as listed, nothing missing or extra,
     no file outside the bag's own, no name twice in a zip;
  2. the payload manifest is signed (bundle-signature.txt) by the key in data/log/log.vkey,
     so no metadata, event or file can be changed, removed or added with the manifests rebuilt;
  3. each original file's SHA-256 is the one its folder and its ingest event name;
  4. each custody event (leaf) is included, by its Merkle inclusion proof (RFC 9162),
     in the log's checkpoint, and each restricted details file is what its leaf committed to;
  5. the checkpoint is signed (Ed25519, C2SP signed note) by that key. Anyone can make a key:
     the key's fingerprint is printed; compare it with the one the workspace published,
     or give --key to require it.
Exit status 0 when everything holds, 1 otherwise.
"""

import base64
import decimal
import hashlib
import json
import os
import sys
import tempfile
import zipfile
import zlib

# --- Ed25519 verification (RFC 8032, section 5.1.7), on integers ---------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    e1 = (y1 - x1) * (y2 - x2) % P
    e2 = (y1 + x1) * (y2 + x2) % P
    c = t1 * 2 * D * t2 % P
    dd = z1 * 2 * z2 % P
    e, f, g, h = e2 - e1, dd - c, dd + c, e2 + e1
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar, point):
    result = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _decode_point(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def _same(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


_BY = 4 * pow(5, P - 2, P) % P
BASE = _decode_point(_BY.to_bytes(32, "little"))


def ed25519_verify(public, message, signature):
    if len(signature) != 64:
        return False
    a, r = _decode_point(public), _decode_point(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _same(_multiply(s, BASE), _add(r, _multiply(h, a)))


# --- signed notes and checkpoints (c2sp.org/signed-note, tlog-checkpoint) ---------------


def parse_vkey(vkey):
    name, key_hash, key = vkey.strip().split("+", 2)
    raw = base64.b64decode(key)
    if len(raw) != 33 or raw[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex() != key_hash:
        raise ValueError("verifier key hash does not match")
    return name, bytes.fromhex(key_hash), raw[1:]


def key_fingerprint(vkey):
    """SHA256 of the verifier key's text (name+hash+key): what a recipient compares."""
    return "SHA256:" + hashlib.sha256(vkey.strip().encode()).hexdigest()


def open_note(signed, vkey):
    """The text of a signed note, if it carries a valid signature by `vkey`."""
    name, key_hash, public = parse_vkey(vkey)
    text, sep, sigs = signed.rpartition("\n\n")
    if not sep:
        raise ValueError("not a signed note")
    text += "\n"
    for line in sigs.strip("\n").split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        blob = base64.b64decode(parts[2])
        if blob[:4] == key_hash and ed25519_verify(public, text.encode(), blob[4:]):
            return text
    raise ValueError("no valid signature by " + name)


def open_checkpoint(signed, vkey):
    name = parse_vkey(vkey)[0]
    origin, size, root = open_note(signed, vkey).split("\n")[:3]
    if origin != name:
        raise ValueError("checkpoint origin is not the key's name")
    return int(size), base64.b64decode(root)


SIGNATURE_FILE = "bundle-signature.txt"
_SIGNATURE_HEAD = "marsad-bundle/v1"  # never a checkpoint: its first line is not the key's name


def signature_text(manifest_sha256):
    return "%s\nmanifest-sha256.txt %s\n" % (_SIGNATURE_HEAD, manifest_sha256)


# --- RFC 8785 canonical JSON, for what a leaf's "details" commits to ----------------------


def _number(value):
    """ECMAScript's Number.prototype.toString, as RFC 8785 requires."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("NaN and infinities are not JSON")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript does; only the layout differs
    parts = decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, parts.digits))
    n = len(digits) + parts.exponent
    k = len(digits)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * -n + digits
    else:
        e = n - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e > 0 else "-") + str(abs(e))
    return sign + out


def canonical(value):
    if value is None or isinstance(value, (bool, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]) for k in keys) + "}"
    raise ValueError("not JSON: %r" % type(value))


# --- Merkle inclusion (RFC 9162, section 2.1.3.2) --------------------------------------


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index, size, leaf_hash, proof, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def parse_tlog_proof(text):
    head, _, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    if lines[0] != "c2sp.org/tlog-proof@v1":
        raise ValueError("not a tlog-proof")
    rest = [line for line in lines[1:] if not line.startswith("extra ")]
    if not rest[0].startswith("index "):
        raise ValueError("no index line")
    return int(rest[0][6:]), [base64.b64decode(h) for h in rest[1:]], checkpoint


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- the bundle --------------------------------------------------------------------------


class Failed(Exception):
    pass


def read_manifest(bag, name):
    entries = {}
    with open(os.path.join(bag, name), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                digest, path = line.rstrip("\n").split(None, 1)
                entries[path] = digest
    return entries


# Everything a bundle holds at its top: anything else was added after it was made.
TOP_LEVEL = {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "verify.py",
             SIGNATURE_FILE, "data"}


def check_manifests(bag):
    data = read_manifest(bag, "manifest-sha256.txt")
    tags = read_manifest(bag, "tagmanifest-sha256.txt")
    for name in sorted(os.listdir(bag)):
        if name not in TOP_LEVEL:
            raise Failed(name + ": not part of a Marsad bundle (a file was added)")
    for path, digest in list(tags.items()) + list(data.items()):
        full = os.path.join(bag, path)
        if not os.path.isfile(full) or os.path.islink(full):
            raise Failed(path + ": listed in the manifest but missing")
        if sha256_file(full) != digest:
            raise Failed(path + ": its SHA-256 differs from the manifest (the file was changed)")
    for folder, dirs, files in os.walk(os.path.join(bag, "data")):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            rel = os.path.relpath(os.path.join(folder, name), bag).replace(os.sep, "/")
            if rel not in data or os.path.islink(os.path.join(folder, name)):
                raise Failed(rel + ": not listed in the manifest (a file was added)")
    return data


def check_signature(bag, vkey):
    try:
        with open(os.path.join(bag, SIGNATURE_FILE), encoding="utf-8") as f:
            signed = f.read()
    except FileNotFoundError:
        raise Failed(SIGNATURE_FILE + ": missing: the bundle's contents are not signed")
    try:
        text = open_note(signed, vkey)
    except ValueError as e:
        raise Failed(SIGNATURE_FILE + ": " + str(e))
    with open(os.path.join(bag, "manifest-sha256.txt"), "rb") as f:
        manifest = hashlib.sha256(f.read()).hexdigest()
    if text != signature_text(manifest):
        raise Failed("manifest-sha256.txt: not the manifest the bundle's key signed (a file in data/ was "
                     "changed, added or removed and the manifests rebuilt)")


def check_details(bag, leaves_dir, leaves):
    """Each restricted details file must be what its leaf's "details" is the SHA-256 of."""
    for name in sorted(os.listdir(leaves_dir)):
        if not name.endswith(".details.json"):
            continue
        rel = "data/log/leaves/" + name
        index = name[: -len(".details.json")]
        if index not in leaves:
            raise Failed(rel + ": no custody event it belongs to")
        with open(os.path.join(bag, rel), encoding="utf-8") as f:
            opening = json.load(f)
        committed = leaves[index].get("details")
        if committed is None or hashlib.sha256(canonical(opening).encode()).hexdigest() != committed:
            raise Failed(rel + ": not the details its event committed to (the file was changed)")


def verify_bundle(bag, expected_key=None):
    """Returns (originals, events, checkpoint size, withheld originals, key fingerprint)."""
    check_manifests(bag)
    log_dir = os.path.join(bag, "data", "log")
    with open(os.path.join(log_dir, "log.vkey"), encoding="utf-8") as f:
        vkey = f.read()
    fingerprint = key_fingerprint(vkey)
    if expected_key is not None and fingerprint != expected_key:
        raise Failed("data/log/log.vkey: signed by key %s, not the key required (%s)" % (fingerprint, expected_key))
    with open(os.path.join(log_dir, "checkpoint"), encoding="utf-8") as f:
        checkpoint = f.read()
    try:
        size, root = open_checkpoint(checkpoint, vkey)
    except ValueError as e:
        raise Failed("data/log/checkpoint: " + str(e))
    ingested = {}
    leaves_dir = os.path.join(log_dir, "leaves")
    leaves = {}
    for name in sorted(os.listdir(leaves_dir)):
        if name.endswith(".details.json"):
            continue
        index_text = name[: -len(".json")] if name.endswith(".json") else ""
        if not index_text.isdigit():
            raise Failed("data/log/leaves/" + name + ": not a custody event")
        index = int(index_text)
        leaf_path = "data/log/leaves/" + name
        proof_path = "data/log/proofs/%d.tlog-proof" % index
        with open(os.path.join(bag, leaf_path), "rb") as f:
            leaf = f.read()
        with open(os.path.join(bag, proof_path), encoding="utf-8") as f:
            proof_index, proof, proof_checkpoint = parse_tlog_proof(f.read())
        if proof_index != index or proof_checkpoint != checkpoint:
            raise Failed(proof_path + ": is not a proof of leaf %d to the bundle's checkpoint" % index)
        leaf_hash = hashlib.sha256(b"\x00" + leaf).digest()
        if not verify_inclusion(index, size, leaf_hash, proof, root):
            raise Failed(leaf_path + " / " + proof_path + ": the event is not proven to be in the signed log")
        event = json.loads(leaf)
        if not isinstance(event, dict):
            raise Failed(leaf_path + ": not a custody event (not a JSON object)")
        leaves[index_text] = event
        if event.get("type") == "ingest":
            outputs = event.get("outputs")
            if not isinstance(event.get("item"), str) or not isinstance(outputs, list) or not outputs \
                    or not isinstance(outputs[0], dict):
                raise Failed(leaf_path + ": an ingest event without its item and output")
            ingested[event["item"]] = outputs[0]
    check_details(bag, leaves_dir, leaves)
    files_dir = os.path.join(bag, "data", "files")
    originals = 0
    for sha in sorted(os.listdir(files_dir)) if os.path.isdir(files_dir) else ():
        for name in os.listdir(os.path.join(files_dir, sha)):
            rel = "data/files/%s/%s" % (sha, name)
            if sha256_file(os.path.join(bag, rel)) != sha:
                raise Failed(rel + ": its SHA-256 is not the one it was ingested with")
            if sha not in ingested or ingested[sha]["sha256"] != sha:
                raise Failed(rel + ": no proven ingest event for this file")
            originals += 1
    # Last, so that the checks above name the file at fault when they can.
    check_signature(bag, vkey)
    metadata_dir = os.path.join(bag, "data", "metadata")
    items = [n[:-5] for n in os.listdir(metadata_dir) if n.endswith(".json")] if os.path.isdir(metadata_dir) else []
    withheld = [sha for sha in items if not os.path.isdir(os.path.join(files_dir, sha))]
    return originals, len(leaves), size, withheld, fingerprint


def expected_fingerprint(key):
    """--key: a .vkey file, a verifier key's text, or a fingerprint (SHA256:hex or hex)."""
    if os.path.isfile(key):
        with open(key, encoding="utf-8") as f:
            key = f.read()
    key = key.strip()
    if "+" in key:
        try:
            parse_vkey(key)
        except ValueError as e:
            raise Failed("--key: " + str(e))
        return key_fingerprint(key)
    hexpart = key[7:] if key.upper().startswith("SHA256:") else key
    hexpart = hexpart.replace(":", "").replace(" ", "").lower()
    if len(hexpart) != 64 or any(c not in "0123456789abcdef" for c in hexpart):
        raise Failed("--key: give the workspace's log.vkey file, its text, or its SHA256 fingerprint")
    return "SHA256:" + hexpart


def unpack(target, tmp):
    """Extract a zip bundle safely; refuses names given twice (a forged copy may come first,
    and tools differ in which copy they show) and anything outside one top folder."""
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
        seen = set()
        for member in names:
            if member in seen:
                raise Failed(member + ": stored twice in the zip (one copy may be forged)")
            seen.add(member)
            dest = os.path.realpath(os.path.join(tmp, member))
            if not dest.startswith(os.path.realpath(tmp) + os.sep):
                raise Failed("unsafe path in zip: " + member)
        tops = {m.split("/", 1)[0] for m in names}
        if len(tops) != 1 or any("/" not in m for m in names):
            raise Failed(", ".join(sorted(tops)) + ": a bundle zip holds one folder and nothing beside it")
        z.extractall(tmp)
    return os.path.join(tmp, tops.pop())


def main(argv):
    args = argv[1:]
    key = None
    if len(args) == 3 and args[1] == "--key":
        args, key = args[:1], args[2]
    elif len(args) == 3 and args[0] == "--key":
        key, args = args[1], args[2:]
    if len(args) != 1:
        print(__doc__.strip().split("\n\n")[1])
        return 2
    target = args[0]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            expected = expected_fingerprint(key) if key is not None else None
            bag = unpack(target, tmp) if zipfile.is_zipfile(target) else target
            originals, events, size, withheld, fingerprint = verify_bundle(bag, expected)
        except Failed as e:
            print("FAILED: " + str(e))
            return 1
        except (OSError, ValueError, KeyError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError,
                RuntimeError) as e:  # a damaged zip member, an unknown compression, an encrypted one, deep JSON
            print("FAILED: the bundle is damaged: %s" % e)
            return 1
    print("OK: %d original file(s) and %d custody event(s) verified against a signed checkpoint "
          "of %d events" % (originals, events, size))
    if withheld:
        print("%d original(s) withheld by the sender (see data/WITHHELD.txt): %s" % (len(withheld), ", ".join(withheld)))
    if expected:
        print("Signed by the key required: " + fingerprint)
    else:
        print("Signed by key " + fingerprint + " -- compare it with the key the workspace published "
              "(or give --key)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
