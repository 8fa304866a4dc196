"""A project exported from one workspace and imported into new ones, through the real
command: every incident, field, history entry, comment and file identical, the codes
kept (or remapped when taken), `log verify` passing everywhere; a damaged or doctored
ZIP refused whole, with nothing left half-imported."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile

import pytest

WITNESS = "Abu Ahmad al-Shahid"
TITLE = "غارة جوية على مشفى كفرنبل — Airstrike on Kafr Nabl hospital"
PEOPLE = {"incidents.json": ("assignee",), "comments.json": ("author",),
          "approvals.json": ("proposed_by", "decided_by")}


def shell(m, code: str) -> str:
    return m.run("manage", "shell", "-c", code).stdout


def build_project(m, samples, folder) -> dict[str, str]:
    """A project with incidents, every kind of field, a merge and a split, tags, comments,
    a two-person grade approval, and a photo and a video captured into it."""
    media = folder / "media"
    media.mkdir()
    for role in ("photo", "video"):
        shutil.copy(samples[role], media)
    m.run("project", "add", "Idlib 2019", "--slug", "idlib")
    for name, role in (("amal", "editor"), ("badr", "manager")):
        m.run("user", "add", name, "--role", role, "--project", "idlib")
    shell(m, f"""
from marsad import registry
from marsad.access.service import get_project
from marsad.evidence.ingest import ingest
ingest(registry.source_for({str(media)!r}).sightings({str(media)!r}), 'actor:documenter',
       project=get_project('idlib').pk)""")
    shas = {i["kind"]: i["sha256"] for i in m.json("items")}
    photo, video = shas["image"], shas["video"]
    m.run("incidents", "create", "--project", "idlib", "--title", TITLE, "--date", "2019-05-05", "--time", "17:30",
          "--place", "Kafranbel", "--type", "Air/drone strike", "--set", "fatalities_low=3",
          "--set", "fatalities_best=5", "--set", "fatalities_high=8", "--set", "health_facility_type=hospital",
          "--set", f"witness_names={WITNESS}", "--set", "witness_contacts=+963 999 000 111",
          "--set", "civilian_targeting=yes", "--evidence", photo, "--reason", "first report")
    m.run("incidents", "create", "--project", "idlib", "--title", "Shelling", "--date", "2019-05-06",
          "--place", "Atlantis")
    m.run("incidents", "link", "SYR000001", photo, video, "--role", "primary")
    m.run("incidents", "set", "SYR000001", "notes=قصف بالصواريخ على المشفى", "injured=12", "--reason", "the report")
    m.run("incidents", "merge", "SYR000001", "SYR000002", "--reason", "the same strike, reported twice")
    m.run("incidents", "split", "SYR000001", video, "--reason", "filmed the next day",
          "--set", "event_date=2019-05-06")
    shell(m, """
from django.contrib.auth import get_user_model
from marsad.incidents import review, service
users = get_user_model().objects
amal, badr = users.get(username='amal'), users.get(username='badr')
incident = service.get('SYR000001')
review.add_tags(incident, ['hospital', 'مشفى'], amal, 'tagging')
review.assign(incident, amal, badr, 'yours')
review.comment(incident, amal, 'Seen by @badr: matches the hospital statement', attachments=[incident.links.first().item])
approval = review.propose_grade(incident, 'confirmed', 'two independent videos', amal)
review.decide(approval, badr, True, 'agreed, the minaret matches')""")
    return {"photo": photo, "video": video}


@pytest.fixture(scope="module")
def source(module_workspaces, samples, tmp_path_factory):
    """One workspace with the project, exported with and without restricted fields."""
    folder = tmp_path_factory.mktemp("source")
    a = module_workspaces("a")
    shas = build_project(a, samples, folder)
    full, public = folder / "a.zip", folder / "public.zip"
    out = a.run("project", "export", "idlib", "--out", str(full), "--include-restricted").stdout
    assert "3 incidents" in out and "2 files" in out
    out = a.run("project", "export", "idlib", "--out", str(public)).stdout
    assert "restricted fields left out" in out
    return {"a": a, "shas": shas, "full": full, "public": public, "folder": folder}


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def docs(path, *, people: bool = True) -> dict[str, object]:
    """The ZIP's records as data, without what belongs to the workspace that wrote them
    (log positions, times of capture, the export's own manifest)."""
    out = {}
    for name, data in members(path).items():
        if not name.endswith(".json") or name in ("manifest.json", "captures.json"):
            continue
        rows = json.loads(data)
        for row in rows:
            row.pop("source_log_index", None)
            if name == "items.json":
                row.pop("first_seen")
            if not people:
                for key in PEOPLE.get(name, ()):
                    row[key] = None
        out[name] = rows
    return out


def files(path) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in members(path).items()
            if name.startswith("files/")}


def shown(m, codes) -> dict[str, dict]:
    out = {}
    for code in codes:
        detail = m.json("incidents", "show", code)
        for change in detail["history"]:
            change.pop("log_index")
        out[code] = detail
    return out


def assert_verified(m) -> None:
    assert "OK: the log is intact" in m.run("log", "verify").stdout


def test_export_import_round_trips_twice(source, workspaces, samples, tmp_path):
    a, shas, first = source["a"], source["shas"], source["full"]
    manifest = json.loads(members(first)["manifest.json"])
    assert manifest["restricted"]["included"] is True and manifest["restricted"]["omitted"] == {}
    assert manifest["counts"]["incidents"] == 3 and manifest["log"]["vkey"].startswith("marsad.local/")
    assert manifest["log"]["checkpoint"].splitlines()[1] == str(manifest["log"]["export_event"] + 1)
    assert set(files(first)) == {f"files/{shas['photo']}", f"files/{shas['video']}"}
    assert all(name.removeprefix("files/") == digest for name, digest in files(first).items())
    csv_text = members(first)["incidents.csv"].decode("utf-8-sig")
    assert csv_text.startswith("event_id_cnty,event_date") and "SYR000001" in csv_text and WITNESS not in csv_text

    b = workspaces("b")
    for name in ("amal", "badr"):  # the same team in the new workspace: names resolve to people
        b.run("user", "add", name, "--role", "viewer")
    report = b.run("project", "import", str(first)).stdout
    assert "idlib: 3 incidents" in report and "code" not in report  # every code was free
    codes = ["SYR000001", "SYR000002", "SYR000003"]
    assert shown(b, codes) == shown(a, codes)
    restricted = json.loads(shell(b, """
import json
from marsad.incidents.models import Incident
print(json.dumps({i.code: [i.witness_names, i.witness_contacts, i.assignee.username if i.assignee else None]
                  for i in Incident.objects.all()}))""").splitlines()[-1])
    assert restricted["SYR000001"] == [WITNESS, "+963 999 000 111", "amal"]
    assert_verified(a)
    assert_verified(b)

    second = tmp_path / "b.zip"
    b.run("project", "export", "idlib", "--out", str(second), "--include-restricted")
    assert docs(second) == docs(first)
    assert files(second) == files(first)  # byte-identical originals, by SHA-256
    history = json.loads(members(second)["history.json"])
    assert [h["action"] for h in history].count("merge") == 2 and any(h["field"] == "tags" for h in history)
    assert WITNESS in json.dumps(history, ensure_ascii=False)  # restricted values kept when asked for
    captures = json.loads(members(second)["captures.json"])
    assert {c["source_kind"] for c in captures} == {"files"}
    assert {c["original_name"] for c in captures} == {samples["photo"].name, samples["video"].name}

    c = workspaces("c")  # a workspace without those people: the record stays, the names do not resolve
    c.run("project", "import", str(second), "--as", "idlib-copy")
    third = tmp_path / "c.zip"
    c.run("project", "export", "idlib-copy", "--out", str(third), "--include-restricted")
    assert docs(third) == docs(first, people=False)
    assert files(third) == files(first)
    assert_verified(c)

    # Into the first workspace again: its codes are taken, so they are remapped and said so.
    again = a.run("project", "import", str(first), "--as", "idlib-again").stdout
    assert "code SYR000001 was taken here: imported as SYR000004" in again
    assert a.json("incidents", "show", "SYR000004")["fields"]["title"] == TITLE
    created = a.run("incidents", "create", "--project", "idlib", "--title", "after the import").stdout.strip()
    assert created == "SYR000007"
    assert_verified(a)

    for fmt, suffix in (("atlos", "csv"), ("timemap", "json")):
        target = tmp_path / f"incidents-{fmt}.{suffix}"
        b.run("export", "incidents", "--format", fmt, "-o", str(target))
        text = target.read_text(encoding="utf-8")
        assert "SYR000001" in text and WITNESS not in text and "+963" not in text


def test_without_restricted_fields_nothing_restricted_leaves(source, workspaces, samples):
    public = source["public"]
    content = members(public)
    manifest = json.loads(content["manifest.json"])
    assert manifest["restricted"]["included"] is False
    assert "witness_names" in manifest["restricted"]["omitted"]["incidents"]
    assert "original_name" in manifest["restricted"]["omitted"]["captures"]
    for name, data in content.items():
        if not name.startswith("files/"):
            for secret in (WITNESS, "+963 999 000 111", samples["photo"].name, str(source["folder"])):
                assert secret.encode() not in data, (name, secret)
    history = json.loads(content["history.json"])
    withheld = [h for h in history if h.get("withheld")]
    assert withheld and all(WITNESS not in json.dumps(h, ensure_ascii=False) for h in withheld)

    b = workspaces("b")
    b.run("project", "import", str(public))
    assert b.json("incidents", "show", "SYR000001")["fields"]["title"] == TITLE
    captures = json.loads(shell(b, """
import json
from marsad.evidence.models import Capture
print(json.dumps([[c.source_kind, c.original_name, c.source_details['import']['zip']] for c in Capture.objects.all()]))
""").splitlines()[-1])
    assert sorted(c[2] for c in captures) == ["public.zip", "public.zip"]
    assert all(c[0] == "files" and len(c[1]) == 64 for c in captures)  # named by hash: the name was withheld
    assert_verified(b)


def _rewrite(source, target, *, replace=None, add=None, fix_manifest=True, log=None):
    """A copy of the ZIP with members replaced or added; the manifest recomputed unless told not to."""
    content = members(source)
    content.update(replace or {})
    content.update(add or {})
    if fix_manifest:
        manifest = json.loads(content["manifest.json"])
        manifest["log"] |= log or {}
        manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in content.items() if n != "manifest.json"}
        content["manifest.json"] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in content.items():
            z.writestr(name, data)
    target.write_bytes(buffer.getvalue())
    return target


def test_damaged_or_doctored_zips_are_refused_whole(source, workspaces, tmp_path):
    shas, good = source["shas"], source["full"]
    data = good.read_bytes()
    incidents = json.loads(members(good)["incidents.json"])
    bad_grade = [dict(incidents[0], grade="certain")] + incidents[1:]
    checkpoint = json.loads(members(good)["manifest.json"])["log"]["checkpoint"]
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    cases = {
        truncated: "not a readable ZIP",
        _rewrite(good, tmp_path / "edited.zip", replace={"history.json": b"[]"}, fix_manifest=False):
            "history.json: its bytes do not match the SHA-256 in the manifest",
        _rewrite(good, tmp_path / "swapped.zip", replace={f"files/{shas['photo']}": b"another picture"}):
            f"files/{shas['photo']}: its bytes do not give the SHA-256 in its name",
        _rewrite(good, tmp_path / "traversal.zip", add={"../../evil.sh": b"echo pwned"}):
            "'../../evil.sh' is not part of a Marsad project export",
        _rewrite(good, tmp_path / "absolute.zip", add={"/etc/cron.d/x": b"x"}): "unknown or unsafe name",
        _rewrite(good, tmp_path / "unlisted.zip", add={f"files/{'0' * 64}": b"x"}, fix_manifest=False):
            "is in the ZIP but not in the manifest",
        _rewrite(good, tmp_path / "forged-log.zip", log={"export_event": 10 ** 6}):
            "the export's custody event is not covered by its checkpoint",
        _rewrite(good, tmp_path / "forged-checkpoint.zip", log={"checkpoint": checkpoint.replace("\n", "\n1", 1)}):
            "the exporting log's checkpoint does not verify",
        # Consistent hashes, wrong content: found only after the files were ingested, so all is rolled back.
        _rewrite(good, tmp_path / "bad-grade.zip",
                 replace={"incidents.json": json.dumps(bad_grade).encode()}): "incident SYR000001: ",
    }
    b = workspaces("b")
    for zip_path, message in cases.items():
        failed = b.run("project", "import", str(zip_path), check=1)
        assert message in failed.stderr and "nothing was imported" in failed.stderr, (zip_path.name, failed.stderr)
        assert b.json("incidents", "list", "--all") == [] and b.json("items") == [], zip_path.name
    assert not (tmp_path / "evil.sh").exists() and not (tmp_path.parent / "evil.sh").exists()
    assert_verified(b)
    assert "is not a project slug" in b.run("project", "import", str(good), "--as", "../x", check=1).stderr
    assert "idlib: 3 incidents" in b.run("project", "import", str(good)).stdout  # the good one, after all that
    assert "exists already" in b.run("project", "import", str(good), check=1).stderr
    assert_verified(b)
