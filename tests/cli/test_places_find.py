"""`marsad places find` on location strings as documenters write them, through the
real command on the OCHA gazetteer: one entry per place named, precision and why,
"ambiguous" for an unnarrowed shared name, --within by name or P-code, bad input."""

import pytest

pytestmark = pytest.mark.once  # resolution runs on the gazetteer in memory: the same on either database


@pytest.fixture(scope="module")
def m(tmp_path_factory, testdata):
    from tests.conftest import workspace_cli

    for cli in workspace_cli(tmp_path_factory.mktemp("places") / "workspace"):
        cli.run("places", "import", str(testdata / "gazetteer" / "syria-locations-ocha.json"), check=1)
        yield cli


def test_a_string_with_descriptor_relation_and_context_is_one_place_with_its_parts(m):
    [r] = m.json("places", "find", "أطراف بلدة كفرنبل بريف ادلب الجنوبي")
    assert r["status"] == "resolved" and r["precision"] == "place" and r["pcode"] == "C4068"
    assert (r["written_as"], r["relation"], r["context"]) == ("town", "outskirts", ["ريف ادلب الجنوبي"])
    assert {p["role"] for p in r["parts"]} == {"place", "descriptor", "relation", "context"}
    assert all(p["why"] for p in r["parts"]) and "outskirts" in r["reason"]


def test_a_shared_name_is_ambiguous_and_within_narrows_it_by_name_or_p_code(m):
    [alone] = m.json("places", "find", "Hamdieh")
    assert alone["status"] == "ambiguous" and len(alone["candidates"]) >= 3
    assert len({c["within"][-1] for c in alone["candidates"]}) >= 3  # in several governorates
    for area in ("Idlib", "إدلب", "SY07"):
        [inside] = m.json("places", "find", "Hamdieh", "--within", area)
        assert inside["status"] == "resolved" and inside["within"][-1] == "Idleb / إدلب", area


def test_a_list_gives_every_place_and_a_neighbourhood_its_city(m):
    found = m.json("places", "find", "Saraqib, Sarmin and Binnish in Idlib countryside")
    assert [r["status"] for r in found] == ["resolved"] * 3
    assert [r["written"] for r in found] == ["Saraqib", "Sarmin", "Binnish"]
    [quarter] = m.json("places", "find", "al-Jamiliyeh neighbourhood, Aleppo")
    assert quarter["precision"] == "neighbourhood→city" and quarter["name"] == "Aleppo"


def test_coordinates_are_an_exact_point_and_bad_input_a_clear_error(m):
    [point] = m.json("places", "find", "35.6146, 36.5602")
    assert point["precision"] == "exact point" and point["lat"] == 35.6146
    for text, says in (("قرية", "descriptor"), ("ab", "too short"), ("x" * 10_000, "too long")):
        run = m.run("places", "find", text, check=1)
        assert says in run.stderr and "not a place" in run.stderr
    run = m.run("places", "find", "Hamdieh", "--within", "Atlantis", check=1)
    assert "no governorate, district or sub-district named 'Atlantis'" in run.stderr


def test_the_table_says_status_precision_and_why(m):
    out = m.run("places", "find", "Hama City").stdout
    assert "Hama: resolved, place precision" in out and "district" in out


def test_facilities_and_camps_are_imported_with_their_kind_and_found_in_their_town(m, tmp_path):
    lst = tmp_path / "health.csv"
    lst.write_text("name,name_ar,lat,lon,type\n"
                   "Kafr Nabl Surgical Hospital,مشفى كفرنبل الجراحي,35.6130,36.5590,hospital\n"
                   "Moon base,,35.0,36.0,spaceport\n", encoding="utf-8")
    run = m.run("places", "import", str(lst), "--kind-col", "type", check=1)
    assert "1 places imported" in run.stdout and "line 3: unknown kind 'spaceport'" in run.stdout
    [r] = m.json("places", "find", "مشفى كفرنبل")
    assert (r["name"], r["kind"], r["precision"]) == ("Kafr Nabl Surgical Hospital", "facility:hospital", "site")
    assert r["written_as"] == "facility:hospital" and "hospital held in Kafr Nobol" in r["reason"]
    bad = m.run("places", "import", str(lst), "--kind", "spaceport", check=1)
    assert "unknown kind 'spaceport'" in bad.stderr


def test_the_incident_place_field_reads_strings_as_documenters_write_them(m):
    run = m.run("incidents", "create", "--title", "t", "--date", "2016-02-15",
                "--place", "أطراف بلدة كفرنبل بريف ادلب الجنوبي", "--reason", "test")
    assert "Kafr Nobol" in run.stdout + run.stderr and "unresolved" not in run.stdout + run.stderr
