"""Incident changes that cannot be true are refused with a message, through the real command:
a merge that would close a cycle, a casualty range that runs backwards, an unknown place."""


def _create(m, title, *extra):
    return m.run("incidents", "create", "--title", title, "--date", "2019-05-05", *extra).stdout.strip()


def test_merging_back_into_a_merged_incident_is_refused_and_both_stay_findable(marsad):
    a, b = _create(marsad, "A"), _create(marsad, "B")
    marsad.run("incidents", "merge", b, a, "--reason", "the same strike")
    run = marsad.run("incidents", "merge", a, b, "--reason", "undo", check=1)
    assert f"{a} was merged into {b}" in run.stderr and "Traceback" not in run.stderr
    assert [i["code"] for i in marsad.json("incidents", "list")] == [b]  # B still stands, holding A


def test_a_casualty_range_with_low_above_high_is_refused(marsad):
    run = marsad.run("incidents", "create", "--title", "x", "--set", "fatalities_low=9", "--set",
                     "fatalities_high=3", check=1)
    assert "fatalities_low (9) is more than fatalities_high (3)" in run.stderr
    code = _create(marsad, "y", "--set", "civilian_deaths_low=2", "--set", "civilian_deaths_best=4")
    run = marsad.run("incidents", "set", code, "civilian_deaths_best=1", check=1)
    assert "civilian_deaths_low (2) is more than civilian_deaths_best (1)" in run.stderr
    marsad.run("incidents", "set", code, "civilian_deaths_best=2", "civilian_deaths_high=7")
    assert marsad.json("incidents", "show", code)["fields"]["civilian_deaths_high"] == 7


def test_an_unknown_place_in_set_is_a_message_not_a_crash(marsad):
    run = marsad.run("incidents", "create", "--title", "x", "--set", "place=Unknown", check=1)
    assert "place 'Unknown' is not in the gazetteer" in run.stderr and "Traceback" not in run.stderr
    code = _create(marsad, "y")
    run = marsad.run("incidents", "set", code, "place=Unknown", check=1)
    assert "is not in the gazetteer" in run.stderr and "Traceback" not in run.stderr


def test_coordinates_given_as_the_place_are_the_point(marsad):
    code = _create(marsad, "x", "--place", "35.61, 36.56")
    fields = marsad.json("incidents", "show", code)["fields"]
    assert (fields["latitude"], fields["longitude"], fields["place_key"]) == (35.61, 36.56, None)
    assert fields["location_as_reported"] == "35.61, 36.56"


def test_a_workspace_older_than_the_code_is_told_to_upgrade(marsad):
    marsad.run("manage", "migrate", "custody", "0001", "--verbosity", "0")  # as before salted leaves
    run = marsad.run("incidents", "create", "--title", "x", "--date", "2019-05-05", check=1)
    assert "run `marsad init` to upgrade it" in run.stderr and "Traceback" not in run.stderr
    marsad.run("init")
    assert _create(marsad, "x").startswith("SYR")
