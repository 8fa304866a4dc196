#!/usr/bin/env python3
"""Verify a Marsad evidence bundle offline, with nothing but Python's standard library.

    python3 -I verify.py BUNDLE        (BUNDLE: the bundle folder or its .zip)

Checks, and names the file at fault when one fails:
  1. the BagIt manifests: every file's SHA-256 is as listed, nothing missing or extra;
  2. each original file's SHA-256 is the one its folder and its ingest event name;
  3. each custody event (leaf) is included, by its Merkle inclusion proof (RFC 9162),
     in the log's checkpoint;
  4. the checkpoint is signed (Ed25519, C2SP signed note) by the key in log/log.vkey,
     which should be compared with the key the workspace published.
Exit status 0 when everything holds, 1 otherwise.
"""

import base64
import hashlib
import json
import os
import sys
import tempfile
import zipfile

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


def open_checkpoint(signed, vkey):
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
            origin, size, root = text.split("\n")[:3]
            if origin != name:
                raise ValueError("checkpoint origin is not the key's name")
            return int(size), base64.b64decode(root)
    raise ValueError("no valid signature by " + name)


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


# --- the bundle --------------------------------------------------------------------------


class Failed(Exception):
    pass


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(bag, name):
    entries = {}
    with open(os.path.join(bag, name), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                digest, path = line.rstrip("\n").split(None, 1)
                entries[path] = digest
    return entries


def check_manifests(bag):
    data = read_manifest(bag, "manifest-sha256.txt")
    tags = read_manifest(bag, "tagmanifest-sha256.txt")
    for path, digest in list(tags.items()) + list(data.items()):
        full = os.path.join(bag, path)
        if not os.path.isfile(full):
            raise Failed(path + ": listed in the manifest but missing")
        if sha256_file(full) != digest:
            raise Failed(path + ": its SHA-256 differs from the manifest (the file was changed)")
    for folder, _dirs, files in os.walk(os.path.join(bag, "data")):
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), bag).replace(os.sep, "/")
            if rel not in data:
                raise Failed(rel + ": not listed in the manifest (a file was added)")
    return data


def verify_bundle(bag):
    check_manifests(bag)
    log_dir = os.path.join(bag, "data", "log")
    with open(os.path.join(log_dir, "log.vkey"), encoding="utf-8") as f:
        vkey = f.read()
    with open(os.path.join(log_dir, "checkpoint"), encoding="utf-8") as f:
        checkpoint = f.read()
    try:
        size, root = open_checkpoint(checkpoint, vkey)
    except ValueError as e:
        raise Failed("data/log/checkpoint: " + str(e))
    ingested = {}
    leaves_dir = os.path.join(log_dir, "leaves")
    count = 0
    for name in sorted(os.listdir(leaves_dir)):
        index = int(name.split(".")[0])
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
        if event.get("type") == "ingest":
            ingested[event["item"]] = event["outputs"][0]
        count += 1
    files_dir = os.path.join(bag, "data", "files")
    originals = 0
    for sha in sorted(os.listdir(files_dir)):
        for name in os.listdir(os.path.join(files_dir, sha)):
            rel = "data/files/%s/%s" % (sha, name)
            if sha256_file(os.path.join(bag, rel)) != sha:
                raise Failed(rel + ": its SHA-256 is not the one it was ingested with")
            if sha not in ingested or ingested[sha]["sha256"] != sha:
                raise Failed(rel + ": no proven ingest event for this file")
            originals += 1
    return originals, count, size


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().split("\n\n")[1])
        return 2
    target = argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        bag = target
        if zipfile.is_zipfile(target):
            with zipfile.ZipFile(target) as z:
                for member in z.namelist():
                    dest = os.path.realpath(os.path.join(tmp, member))
                    if not dest.startswith(os.path.realpath(tmp) + os.sep):
                        print("FAILED: unsafe path in zip: " + member)
                        return 1
                z.extractall(tmp)
            entries = os.listdir(tmp)
            bag = os.path.join(tmp, entries[0]) if len(entries) == 1 else tmp
        try:
            originals, events, size = verify_bundle(bag)
        except Failed as e:
            print("FAILED: " + str(e))
            return 1
        except (OSError, ValueError, KeyError) as e:
            print("FAILED: the bundle is damaged: %s" % e)
            return 1
    print("OK: %d original file(s) and %d custody event(s) verified against a signed checkpoint "
          "of %d events" % (originals, events, size))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
