"""The in-page verifier (static/publish/verify.js) in headless Chromium from file://,
on the WebCrypto path and on the bundled pure-JS path (noble), against the reference
vectors and on a small published site."""

import base64
import hashlib
import json
from datetime import datetime, timezone

import pytest

from marsad.core.custody.note import Signer
from marsad.core.publog import publish_site, verifier_files

pytestmark = pytest.mark.browser

NO_WEBCRYPTO = "Object.defineProperty(Crypto.prototype, 'subtle', {get() { return undefined; }});"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="publog-self" content="en/incidents/SYR000001.html"><title>SYR000001</title>
<script src="../../assets/publog/verify.js" defer></script></head><body>
<img src="../../media/photo.jpg" data-publog-path="media/photo.jpg" alt="">
<a href="../../data/events.json" data-publog-path="data/events.json">events.json</a>
<div data-publog-verifier></div>
<footer>Public log key: <code data-publog-key>{key}</code></footer></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    # a key whose base64 holds a "+" (the separator of its other fields): a bug once
    signer = next(s for s in iter(lambda: Signer.generate("example.org/marsad/log"), None)
                  if "+" in s.verifier().vkey().split("+", 2)[2])
    contents = {
        "en/incidents/SYR000001.html": PAGE.replace("{key}", signer.verifier().vkey()).encode(),
        "media/photo.jpg": b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9",
        "data/events.json": json.dumps({"events": [{"id": "SYR000001"}]}).encode(),
        **verifier_files(),
    }
    for path, data in contents.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    publish_site(site, signer, {p: hashlib.sha256(d).hexdigest() for p, d in contents.items()},
                 (3, hashlib.sha256(b"internal").digest()), now=datetime(2026, 11, 30, tzinfo=timezone.utc))
    return site


def open_page(page, site, fallback):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    if fallback:
        page.add_init_script(NO_WEBCRYPTO)
    page.goto((site / "en/incidents/SYR000001.html").as_uri())
    page.wait_for_selector("[data-publog-verifier][data-publog-state=idle]")
    return errors


def choose(page, paths):
    page.eval_on_selector("[data-publog-verifier]", "box => box.setAttribute('data-publog-state', 'waiting')")
    page.set_input_files("[data-publog-files]", [str(p) for p in paths])
    page.wait_for_selector("[data-publog-verifier][data-publog-state=verified], "
                           "[data-publog-verifier][data-publog-state=failed]", timeout=10_000)
    box = page.locator("[data-publog-verifier]")
    return box.get_attribute("data-publog-state"), box.get_attribute("data-publog-engine"), \
        page.locator("[data-publog-summary]").inner_text()


@pytest.mark.parametrize("fallback", [False, True], ids=["webcrypto", "noble"])
def test_verifies_the_page_and_names_a_changed_file(page, site, tmp_path, fallback):
    errors = open_page(page, site, fallback)
    files = ["en/incidents/SYR000001.html", "media/photo.jpg", "data/events.json"]
    chosen = [site / f for f in files] + [site / (f + ".tlog-proof") for f in files]
    state, engine, summary = choose(page, chosen)
    assert (state, engine) == ("verified", "noble" if fallback else "webcrypto"), summary
    assert summary.startswith("verified: 3 file(s)")

    changed = tmp_path / "photo.jpg"  # same name, one byte flipped
    data = bytearray((site / "media/photo.jpg").read_bytes())
    data[100] ^= 1
    changed.write_bytes(bytes(data))
    state, _, summary = choose(page, [changed, site / "media/photo.jpg.tlog-proof"])
    assert state == "failed" and summary == "FAILED: media/photo.jpg"
    assert "media/photo.jpg: FAILED: its SHA-256 is not the one the log records" in \
        page.locator("[data-publog-results]").inner_text()

    # another file's proof, and an edited checkpoint inside a proof
    (tmp_path / "events.json.tlog-proof").write_bytes((site / "media/photo.jpg.tlog-proof").read_bytes())
    proof = (site / "media/photo.jpg.tlog-proof").read_text()
    head, _, checkpoint = proof.partition("\n\n")
    origin, size, rest = checkpoint.split("\n", 2)
    (tmp_path / "x").mkdir()
    (tmp_path / "x/photo.jpg.tlog-proof").write_text(head + "\n\n" + f"{origin}\n{int(size) + 1}\n{rest}")
    state, _, summary = choose(page, [site / "data/events.json", tmp_path / "events.json.tlog-proof"])
    assert state == "failed" and summary == "FAILED: data/events.json"
    state, _, summary = choose(page, [site / "media/photo.jpg", tmp_path / "x/photo.jpg.tlog-proof"])
    assert state == "failed" and "not signed by the log's key" in page.locator("[data-publog-results]").inner_text()
    assert errors == []


@pytest.mark.parametrize("fallback", [False, True], ids=["webcrypto", "noble"])
def test_reference_vectors_in_the_browser(page, site, testdata, fallback):
    open_page(page, site, fallback)
    cases = [json.loads(f.read_text()) for f in sorted((testdata / "merkle" / "inclusion").rglob("*.json"))]
    notes = json.loads((testdata / "signed-note" / "vectors.json").read_text())["vectors"]
    results = page.evaluate("""async ([cases, notes]) => {
        const V = window.PublogVerify, b = (s) => V.b64decode(s || "");
        const inclusion = [];
        for (const c of cases) {
            let ok;
            try { ok = await V.verifyInclusion(c.leafIdx, c.treeSize, b(c.leafHash), (c.proof || []).map(b), b(c.root)); }
            catch (e) { ok = false; }
            inclusion.push(ok);
        }
        const signed = [];
        for (const n of notes) {
            const key = await V.parseKey(n.verifier_key);
            const good = await V.openNote(n.signed_note, key).then((t) => t === n.text, () => false);
            const bad = await V.openNote(n.signed_note.replace(".\\n", "!\\n"), key).then(() => true, () => false);
            signed.push([good, bad]);
        }
        return {inclusion, signed, engine: V.engine()};
    }""", [cases, notes])
    assert results["inclusion"] == [not c["wantErr"] for c in cases]
    assert len(cases) > 50
    assert results["signed"] == [[True, False]] * len(notes)
    assert results["engine"] == ("noble" if fallback else "webcrypto")


def test_b64_helper_matches_python(page, site):
    open_page(page, site, False)
    data = bytes(range(200))
    got = page.evaluate("(s) => Array.from(window.PublogVerify.b64decode(s))", base64.b64encode(data).decode())
    assert bytes(got) == data


def test_over_http_it_fetches_and_verifies_by_itself(page, site):
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        page.goto(base + "en/incidents/SYR000001.html")
        page.wait_for_selector("[data-publog-verifier][data-publog-state=verified]", timeout=10_000)
        assert page.locator("[data-publog-summary]").inner_text().startswith("verified: 3 file(s)")
    finally:
        server.shutdown()
        server.server_close()
    assert requests and all(u.startswith(base) for u in requests)
