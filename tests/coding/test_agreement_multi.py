"""Issue 15: Gwet's AC1 beside kappa and Krippendorff's alpha, with 95 % confidence intervals, per
variable (so per theme code) and for any number of coders (`coding.agreement.coefficients`, via
`coding.reliability`) — against values computed by hand."""
import pytest

from coding import agreement as ag
from coding import service
from coding.agreement import Unit
from survey.db import session_scope


def _code(s, variable, columns: dict[str, list]):
    """columns: coder -> value per unit (None: that coder did not code the unit)."""
    for coder, values in columns.items():
        for i, v in enumerate(values):
            if v is not None:
                ag.record(s, coder, Unit("segment", str(i + 1)), variable, v)


def _by_name(res):
    return {c.name: c for c in res.coefficients}


def test_two_coders_by_hand(engine):
    # 10 units. A: six 1s, B: five 1s; they agree on units 1-4 (1) and 8-10 (0): p_a = 0.7.
    # Gwet: pi_1 = (0.6 + 0.5)/2 = 0.55, p_e = 2 * 0.55 * 0.45 = 0.495, AC1 = 0.205/0.505 = 0.40594.
    # Fleiss (Scott's pi for two coders): p_e = 0.55^2 + 0.45^2 = 0.505, kappa = 0.195/0.495 = 0.39394;
    # Cohen's kappa (the pairwise table): p_e = 0.6*0.5 + 0.4*0.5 = 0.5, kappa = 0.2/0.5 = 0.4.
    # Krippendorff (nominal, no missing): n = 20, n_1 = 11, n_0 = 9, o_10 + o_01 = 6,
    # alpha = 1 - 19 * 6 / (2 * 11 * 9) = 0.42424.
    a = list("1111110000")
    b = list("1111001000")
    with session_scope(engine) as s:
        _code(s, "tema:struktur", {"A": a, "B": b})
        r = ag.coefficients(s, "tema:struktur")
        two = ag.agreement(s, "tema:struktur", "A", "B")
    assert r.coders == ["A", "B"] and r.n == 10 and r.observed == pytest.approx(0.7)
    c = _by_name(r)
    assert c["Gwets AC1"].value == pytest.approx(0.205 / 0.505, abs=1e-9)
    assert c["Fleiss' kappa"].value == pytest.approx(0.195 / 0.495, abs=1e-9)
    assert two.kappa == pytest.approx(0.4)
    assert c["Krippendorffs alfa"].value == pytest.approx(1 - 19 * 6 / 198, abs=1e-9)
    assert c["Krippendorffs alfa"].value == pytest.approx(two.alpha, abs=1e-9)
    for x in c.values():  # an interval around each value, inside -1 ... 1
        assert -1 <= x.low <= x.value <= x.high <= 1 and x.se > 0 and x.note is None


def test_three_coders_with_missing_values_by_hand(engine):
    # units 1-3 coded by all three: (1,1,1), (1,1,0), (0,0,0); unit 4 only by A (left out: no pair)
    # Gwet (multi-rater): p_a = (1 + 1/3 + 1)/3 = 7/9; pi_1 = (1 + 2/3 + 0)/3 = 5/9,
    # p_e = 2 * 5/9 * 4/9 = 40/81, AC1 = (7/9 - 40/81) / (1 - 40/81) = 23/41.
    with session_scope(engine) as s:
        _code(s, "tema:ensomhed", {"A": ["1", "1", "0", "1"], "B": ["1", "1", "0", None], "C": ["1", "0", "0", None]})
        r = ag.coefficients(s, "tema:ensomhed")
        only_ab = ag.coefficients(s, "tema:ensomhed", ["A", "B"])
    assert r.coders == ["A", "B", "C"] and r.n == 3 and r.n_by_coder == {"A": 4, "B": 3, "C": 3}
    assert r.observed == pytest.approx(7 / 9, abs=1e-9)
    assert _by_name(r)["Gwets AC1"].value == pytest.approx(23 / 41, abs=1e-9)
    # A and B alone agree on every unit they share: 1.0
    assert only_ab.n == 3 and _by_name(only_ab)["Gwets AC1"].value == pytest.approx(1.0)


def test_undefined_cases_say_why(engine):
    with session_scope(engine) as s:
        _code(s, "tema:struktur", {"A": ["1", "1", "1"], "B": ["1", "1", "1"]})
        same = ag.coefficients(s, "tema:struktur")
        _code(s, "tema:ensomhed", {"A": ["1", None], "B": [None, "0"]})
        apart = ag.coefficients(s, "tema:ensomhed")
        alone = ag.coefficients(s, "tema:ensomhed", ["A"])
    summary = service.agreement_coefficients(engine)  # the service owns its transaction
    assert same.observed == 1.0 and all(c.value is None and "kun én kategori" in c.note for c in same.coefficients)
    assert apart.n == 0 and "Ingen enheder er kodet af mindst to" in apart.message
    assert alone.message.startswith("Mindst to kodere")
    assert [m.variable for m in summary] == ["tema:ensomhed", "tema:struktur"]


def test_cli_kodeenighed(engine, capsys):
    import csv
    import io

    from brugerblik.cli import main

    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "kodeenighed"]) == 0
    assert "Ingen variable er dobbeltkodet endnu" in capsys.readouterr().out
    with session_scope(engine) as s:
        _code(s, "tema:struktur", {"A": list("1111110000"), "B": list("1111001000"), "C": list("1111100000")})
    assert main(["--db", url, "kodeenighed", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1 and rows[0]["Kodere"] == "A, B, C" and rows[0]["Enheder"] == "10"
    with session_scope(engine) as s:
        want = ag.coefficients(s, "tema:struktur")
    ac1 = _by_name(want)["Gwets AC1"]
    assert float(rows[0]["Gwets AC1"]) == pytest.approx(round(ac1.value, 3))
    # the interval as two numbers (a text «-0.284 til …» was a formula to escape, and no number)
    assert float(rows[0]["Gwets AC1 95 %-KI nedre"]) == pytest.approx(round(ac1.low, 3))
    assert float(rows[0]["Gwets AC1 95 %-KI øvre"]) == pytest.approx(round(ac1.high, 3))
    assert main(["--db", url, "kodeenighed", "--kodere", "A,B"]) == 0
    out = capsys.readouterr().out
    assert "| A, B " in out and "Gwets AC1" in out and "Krippendorffs alfa" in out


def test_cli_kodeenighed_negative_bounds_danish_markdown_and_one_unit(engine, capsys):
    """A tester: one shared unit printed AC1 -1.0 and alfa 0.0 with no note; Markdown printed «0.0» and «-1.0»
    with a decimal point where the CSV said 0.000; a negative bound reached the CSV as «'-0.284 til 0.141»."""
    import csv
    import io

    from brugerblik.cli import main

    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as s:
        _code(s, "tema:struktur", {"A": list("1010110100"), "B": list("0110011001")})  # poor agreement
        _code(s, "tema:ensomhed", {"A": ["1"], "B": ["0"]})  # one shared unit
    assert main(["--db", url, "kodeenighed", "--format", "csv"]) == 0
    rows = {r["Variabel"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    low = rows["tema:struktur"]["Gwets AC1 95 %-KI nedre"]
    assert low.startswith("-") and float(low) < 0  # a number, no «'» in front
    one = rows["tema:ensomhed"]
    assert one["Enheder"] == "1" and one["Gwets AC1"] == "" and "Kun én enhed" in one["Note"]
    assert main(["--db", url, "kodeenighed"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("| tema:struktur"))
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert all("," in c and "." not in c for c in cells[3:10] if c and c[0] in "-0123456789")
    assert " til " in cells[5]
