"""The Arabic catalogue is complete: every string the code and templates mark for
translation has a checked Arabic translation, and the compiled catalogue is current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "marsad"
PO = PACKAGE / "locale" / "ar" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """What `make messages` would extract from the code as it is now."""
    if not shutil.which("xgettext"):
        pytest.skip("xgettext not found (Debian package gettext; `make test` installs it)")
    copy = tmp_path_factory.mktemp("src") / "marsad"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("vendor", "__pycache__", "*.mo", "*.po"))
    (copy / "locale" / "ar" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    home = tmp_path_factory.mktemp("home")
    subprocess.run([sys.executable, "-m", "marsad", "manage", "makemessages", "-l", "ar", "--no-location",
                    "--ignore", "web/static/vendor/*"], cwd=copy, check=True, capture_output=True,
                   env={"MARSAD_HOME": str(home), "PATH": "/usr/bin:/bin"})
    return polib.pofile(str(copy / "locale" / "ar" / "LC_MESSAGES" / "django.po"))


def test_every_string_is_translated_into_arabic(extracted):
    catalogue = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(PO)) if not e.obsolete}
    missing, untranslated = [], []
    for entry in extracted:
        have = catalogue.get((entry.msgctxt, entry.msgid))
        if have is None:
            missing.append(entry.msgid)
        elif not have.translated() or "fuzzy" in have.flags:
            untranslated.append(entry.msgid)
    assert len(extracted) > 100
    assert not missing, f"not in the Arabic catalogue (run `make messages` and translate): {missing[:20]}"
    assert not untranslated, f"untranslated or fuzzy in Arabic: {untranslated[:20]}"


def test_arabic_plurals_and_placeholders_are_well_formed():
    po = polib.pofile(str(PO))
    assert "nplurals=6" in po.metadata["Plural-Forms"]  # Arabic: zero, one, two, few, many, other
    if shutil.which("msgfmt"):
        check = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(PO)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
    for entry in po:
        if entry.msgid_plural:
            assert len([v for v in entry.msgstr_plural.values() if v]) == 6, entry.msgid


def test_compiled_catalogue_is_current():
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    source = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO))
              if e.translated() and "fuzzy" not in e.flags}
    assert {k: v for k, v in compiled.items() if k[1]} == source, "run `make messages` to compile django.mo"


def test_translation_functions_keep_names_makemessages_knows():
    """xgettext finds _(), gettext(), gettext_lazy(), ngettext()...; an alias like `_l` hides
    every string behind it from the catalogue (and from the test above)."""
    import re

    alias = re.compile(r"import\s+.*\b(?:gettext|gettext_lazy|ngettext|pgettext)\s+as\s+(?!_\b)(\w+)")
    offenders = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in PACKAGE.rglob("*.py")
                 for m in alias.finditer(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_attributes_people_read_are_translated():
    """placeholder, title, aria-label and alt in templates are text too (zulip's lint)."""
    import re

    literal = re.compile(r'\b(placeholder|title|aria-label|alt)="([^"{]*[A-Za-z][^"{]*)"')
    offenders = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in (PACKAGE / "web" / "templates").rglob("*.html")
                 for m in literal.finditer(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders
