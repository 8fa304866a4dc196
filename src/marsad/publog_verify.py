#!/usr/bin/env python3
"""Verify a Marsad public site offline, with nothing but Python's standard library.

    python3 -I verify.py SITE [--key KEY]      (KEY: the log's verifier key, name+hash+base64)

Checks, and names every file at fault:
  1. the log's checkpoint is signed (Ed25519, C2SP signed note) by the key in
     log/log.vkey, or by KEY when given (compare KEY with the key the organisation
     publishes elsewhere: a forger can re-sign a whole site with a key of their own);
  2. the log's entry bundles and tiles (C2SP tlog-tiles) hash to that checkpoint;
  3. every kept checkpoint (log/checkpoints/<size>) is signed and consistent with the next;
  4. every file the log says is published is on the site with the SHA-256 its latest log
     entry names, and a .tlog-proof that proves that entry in a signed checkpoint of this
     log; the site's manifest.json lists exactly those files; no other file is on the site.
Exit status 0 when everything holds, 1 otherwise.
"""

import base64
import hashlib
import json
import os
import sys

# BEGIN shared with the bundle verifier (inlined into the site's verify.py)
from marsad.custody.bundle_verify import (
    node,
    open_checkpoint,
    parse_vkey,
    sha256_file,
    verify_inclusion,
)

# END shared

MANIFEST = "manifest.json"  # written by marsad publish: {"files": [{"path", "sha256", "size"}, ...]}
PROOF_SUFFIX = ".tlog-proof"
WIDTH = 256


# --- Merkle ranges and consistency (RFC 9162, sections 2.1 and 2.1.4.2) --------------------


def leaf(data):
    return hashlib.sha256(b"\x00" + data).digest()


def perfect_nodes(begin, end):
    keys = []
    while begin < end:
        n = end - begin
        if n & (n - 1) == 0 and begin % n == 0:
            keys.append((n.bit_length() - 1, begin >> (n.bit_length() - 1)))
            break
        k = 1 << ((n - 1).bit_length() - 1)
        keys.append((k.bit_length() - 1, begin >> (k.bit_length() - 1)))
        begin += k
    return keys


class Tree:
    """Every perfect subtree of the log, from its entries."""

    def __init__(self, entries):
        self.size = len(entries)
        level, self.nodes = [leaf(e) for e in entries], {}
        height = 0
        while level:
            for i, h in enumerate(level):
                self.nodes[(height, i)] = h
            level = [node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            height += 1

    def range_hash(self, begin, end):
        hashes = [self.nodes[k] for k in perfect_nodes(begin, end)]
        acc = hashes[-1]
        for h in reversed(hashes[:-1]):
            acc = node(h, acc)
        return acc

    def root(self, size):
        return hashlib.sha256(b"").digest() if size == 0 else self.range_hash(0, size)

    def consistency_proof(self, size1, size2):
        ranges, m, begin, end, complete = [], size1, 0, size2, True
        while True:
            n = end - begin
            if m == n:
                if not complete:
                    ranges.append((begin, end))
                break
            k = 1 << ((n - 1).bit_length() - 1)
            if m <= k:
                ranges.append((begin + k, end))
                end = begin + k
            else:
                ranges.append((begin, begin + k))
                m -= k
                begin += k
                complete = False
        return [self.range_hash(a, b) for a, b in reversed(ranges)]


def verify_consistency(size1, size2, proof, root1, root2):
    if size1 < 1 or size1 > size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


# --- C2SP tlog-tiles paths and tlog-proof ------------------------------------------------


def tile_path(level, index, width):
    parts = ["%03d" % (index % 1000)]
    index //= 1000
    while index:
        parts.append("x%03d" % (index % 1000))
        index //= 1000
    tail = "" if width == WIDTH else ".p/%d" % width
    return "tile/%s/%s%s" % (level, "/".join(reversed(parts)), tail)


def expected_tiles(size):
    """Path -> (level or "entries", index, width) of every tile a tree of `size` has."""
    out = {}
    for n in range(size // WIDTH):
        out[tile_path("entries", n, WIDTH)] = ("entries", n, WIDTH)
    if size % WIDTH:
        out[tile_path("entries", size // WIDTH, size % WIDTH)] = ("entries", size // WIDTH, size % WIDTH)
    level, count = 0, size
    while count:
        for n in range(count // WIDTH):
            out[tile_path(level, n, WIDTH)] = (level, n, WIDTH)
        if count % WIDTH:
            out[tile_path(level, count // WIDTH, count % WIDTH)] = (level, count // WIDTH, count % WIDTH)
        level, count = level + 1, count // WIDTH
    return out


def decode_bundle(data):
    entries, i = [], 0
    while i < len(data):
        n = int.from_bytes(data[i:i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError("entry bundle is truncated")
        entries.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return entries


def parse_proof(text):
    head, sep, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or lines[0] != "c2sp.org/tlog-proof@v1" or len(lines) < 3 or not lines[1].startswith("extra "):
        raise ValueError("not a c2sp.org/tlog-proof@v1 proof with its entry")
    if not lines[2].startswith("index ") or not lines[2][6:].isdigit():
        raise ValueError("no index line")
    extra = base64.b64decode(lines[1][6:], validate=True)
    return int(lines[2][6:]), [base64.b64decode(h, validate=True) for h in lines[3:]], checkpoint, extra


# --- the site ---------------------------------------------------------------------------------


def read(site, rel, mode="r"):
    with open(os.path.join(site, *rel.split("/")), mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
        return f.read()


class Site:
    def __init__(self, site, key=None):
        self.site, self.failures, self.signed = site, [], {}
        vkey = read(site, "log/log.vkey").strip()
        if key is not None and key.strip() != vkey:
            self.fail("log/log.vkey", "is not the key given with --key")
        self.vkey = (key or vkey).strip()
        parse_vkey(self.vkey)

    def fail(self, path, why):
        self.failures.append("%s: %s" % (path, why))

    def checkpoint(self, text):
        """(size, root) of a checkpoint signed by the key; ValueError otherwise."""
        if text not in self.signed:
            try:
                self.signed[text] = open_checkpoint(text, self.vkey)
            except (ValueError, IndexError) as e:
                self.signed[text] = e
        if isinstance(self.signed[text], Exception):
            raise ValueError(str(self.signed[text]))
        return self.signed[text]

    def load_log(self):
        try:
            size, root = self.checkpoint(read(self.site, "log/checkpoint"))
        except (OSError, ValueError) as e:
            self.fail("log/checkpoint", "not signed by the log's key (%s)" % e)
            return None
        entries = []
        for path, (_, n, width) in sorted(expected_tiles(size).items(), key=lambda t: t[1][1]):
            if not path.startswith("tile/entries/"):
                continue
            try:
                bundle = decode_bundle(read(self.site, "log/" + path, "rb"))
            except (OSError, ValueError) as e:
                self.fail("log/" + path, str(e))
                return None
            if len(bundle) != width:
                self.fail("log/" + path, "holds %d entries, not %d" % (len(bundle), width))
                return None
            entries += bundle
        tree = Tree(entries)
        if tree.root(size) != root:
            self.blame_bundles(tree, size)
            self.fail("log/checkpoint", "the log's entries do not hash to its signed root")
            return None
        self.check_tiles(tree, entries, size)
        self.check_checkpoints(tree, size)
        return tree, entries

    def blame_bundles(self, tree, size):
        """Name the entry bundles that disagree with their level-0 tiles."""
        for path, (kind, n, width) in expected_tiles(size).items():
            if kind != "entries":
                continue
            try:
                tile = read(self.site, "log/" + tile_path(0, n, width), "rb")
            except OSError:
                continue
            if tile != b"".join(tree.nodes.get((0, n * WIDTH + i), b"") for i in range(width)):
                self.fail("log/" + path, "its entries differ from the hashes in log/" + tile_path(0, n, width))

    def check_tiles(self, tree, entries, size):
        wanted = expected_tiles(size)
        found = set()
        tile_dir = os.path.join(self.site, "log", "tile")
        for folder, _dirs, files in os.walk(tile_dir):
            for name in files:
                rel = os.path.relpath(os.path.join(folder, name), os.path.join(self.site, "log")).replace(os.sep, "/")
                found.add(rel)
                self.check_tile(rel, tree, entries)
        for rel in sorted(set(wanted) - found):
            self.fail("log/" + rel, "missing")

    def check_tile(self, rel, tree, entries):
        parts = rel.split("/")
        width = WIDTH
        if len(parts) > 3 and parts[-2].endswith(".p") and parts[-1].isdigit():
            width, parts = int(parts[-1]), parts[:-2] + [parts[-2][:-2]]
        try:
            index = int("".join(p.lstrip("x") for p in parts[2:]))
            level = parts[1] if parts[1] == "entries" else int(parts[1])
        except ValueError:
            return self.fail("log/" + rel, "is not a tile")
        if tile_path(level, index, width) != rel or not 1 <= width <= WIDTH:
            return self.fail("log/" + rel, "is not a tile")
        data = read(self.site, "log/" + rel, "rb")
        if level == "entries":
            want = entries[index * WIDTH:index * WIDTH + width]
            try:
                same = len(want) == width and decode_bundle(data) == want
            except ValueError:
                same = False
            if not same:
                self.fail("log/" + rel, "differs from the log's entries")
            return None
        keys = [(8 * level, index * WIDTH + i) for i in range(width)]
        if any(k not in tree.nodes for k in keys) or data != b"".join(tree.nodes[k] for k in keys):
            self.fail("log/" + rel, "differs from the log's Merkle tree")
        return None

    def check_checkpoints(self, tree, size):
        folder = os.path.join(self.site, "log", "checkpoints")
        kept = {}
        for name in sorted(os.listdir(folder) if os.path.isdir(folder) else []):
            rel = "log/checkpoints/" + name
            try:
                ksize, kroot = self.checkpoint(read(self.site, rel))
            except (OSError, ValueError) as e:
                self.fail(rel, "not signed by the log's key (%s)" % e)
                continue
            if name != str(ksize) or ksize > size:
                self.fail(rel, "is not a checkpoint of size %s of this log" % name)
                continue
            kept[ksize] = kroot
        if kept.get(size) != tree.root(size):
            self.fail("log/checkpoints/%d" % size, "the current checkpoint is not kept")
        sizes = sorted(kept)
        for a, b in zip(sizes, sizes[1:]):
            if a and not verify_consistency(a, b, tree.consistency_proof(a, b), kept[a], kept[b]):
                self.fail("log/checkpoints/%d" % a, "is not consistent with log/checkpoints/%d: "
                          "the log's history was rewritten" % b)

    def check_files(self, tree, entries):
        latest = {}
        for i, raw in enumerate(entries):
            try:
                entry = json.loads(raw)
                latest[entry["path"]] = (i, entry.get("sha256"))
            except (ValueError, KeyError, TypeError):
                self.fail("log entry %d" % i, "is not a public log entry")
        published = {p: (i, sha) for p, (i, sha) in latest.items() if sha is not None}
        if os.path.isfile(os.path.join(self.site, MANIFEST)):
            try:
                manifest = {f["path"]: f["sha256"] for f in json.loads(read(self.site, MANIFEST))["files"]}
            except (ValueError, KeyError, TypeError) as e:
                self.fail(MANIFEST, "unreadable (%s)" % e)
                manifest = {}
            for path in sorted((set(published) - {MANIFEST}) | set(manifest)):
                if path not in manifest:
                    self.fail(MANIFEST, "does not list %s, which the log says is published" % path)
                elif path not in published or published[path][1] != manifest[path]:
                    self.fail(MANIFEST, "lists %s with a SHA-256 the log does not hold for it" % path)
        for path in sorted(published):
            self.check_file(path, published[path][0], published[path][1], tree, entries)
        allowed = set(published) | {p + PROOF_SUFFIX for p in published}
        for folder, dirs, files in os.walk(self.site):
            rel_dir = os.path.relpath(folder, self.site).replace(os.sep, "/")
            if rel_dir == ".":
                dirs[:] = [d for d in dirs if d != "log"]
            for name in files:
                rel = name if rel_dir == "." else rel_dir + "/" + name
                if rel not in allowed:
                    self.fail(rel, "is on the site but not in the public log")
        return len(published)

    def check_file(self, path, index, sha, tree, entries):
        full = os.path.join(self.site, *path.split("/"))
        if not os.path.isfile(full):
            return self.fail(path, "is missing")
        if sha256_file(full) != sha:
            return self.fail(path, "its SHA-256 is not the one the log records: the file was changed")
        proof_rel = path + PROOF_SUFFIX
        try:
            pindex, hashes, checkpoint, extra = parse_proof(read(self.site, proof_rel))
        except (OSError, ValueError) as e:
            return self.fail(proof_rel, "unreadable (%s)" % e)
        try:
            psize, proot = self.checkpoint(checkpoint)
        except ValueError as e:
            return self.fail(proof_rel, "its checkpoint is not signed by the log's key (%s)" % e)
        if psize > tree.size or tree.root(psize) != proot:
            return self.fail(proof_rel, "its checkpoint is not one of this log's")
        if pindex != index or extra != entries[index]:
            return self.fail(proof_rel, "does not prove the log's latest entry for " + path)
        if not verify_inclusion(index, psize, leaf(extra), hashes, proot):
            return self.fail(proof_rel, "its inclusion proof does not lead to the signed root")
        return None


def verify_site(site, key=None):
    """(failures, summary)."""
    try:
        s = Site(site, key)
    except (OSError, ValueError) as e:
        return ["log/log.vkey: unreadable verifier key (%s)" % e], ""
    loaded = s.load_log()
    if loaded is None:
        return s.failures, ""
    tree, entries = loaded
    files = s.check_files(tree, entries)
    kept = len(os.listdir(os.path.join(site, "log", "checkpoints")))
    return s.failures, ("%d published file(s) verified against the signed checkpoint of %d log entries; "
                        "%d kept checkpoint(s) consistent; key %s" % (files, tree.size, kept, s.vkey))


def main(argv):
    args = argv[1:]
    key = None
    if "--key" in args:
        i = args.index("--key")
        if i + 1 >= len(args):
            print(__doc__.strip().split("\n\n")[1])
            return 2
        key = args[i + 1]
        del args[i:i + 2]
        if os.path.isfile(key):
            with open(key, encoding="utf-8") as f:
                key = f.read().strip()
    if len(args) != 1 or not os.path.isdir(args[0]):
        print(__doc__.strip().split("\n\n")[1])
        return 2
    failures, summary = verify_site(args[0], key)
    for failure in failures:
        print("FAILED: " + failure)
    if failures:
        return 1
    print("OK: " + summary)
    return 0


def standalone_source():
    """This file with the shared block replaced by the bundle verifier's own code."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "publog_verify.py"), encoding="utf-8") as f:
        own = f.read()
    with open(os.path.join(here, "custody", "bundle_verify.py"), encoding="utf-8") as f:
        bundle = f.read()
    start = bundle.index("# --- Ed25519 verification")
    shared = bundle[start:bundle.index("# --- the bundle", start)].rstrip() + "\n"
    begin, end = "# BEGIN shared with the bundle verifier", "# END shared\n"
    head, rest = own.split(begin, 1)
    own = head + shared + rest.split(end, 1)[1]
    return own.split("\n\ndef standalone_source", 1)[0] + MAIN_GUARD


MAIN_GUARD = '\n\nif __name__ == "__main__":\n    sys.exit(main(sys.argv))\n'

if __name__ == "__main__":
    sys.exit(main(sys.argv))
