"""Benchmark of the core (issue 2): import and every table for 61, 5,000 and 50,000 respondents.

    .venv/bin/python bench/bench_core.py [--sizes 61,5000,50000] [--repeat 5]

For each size it generates a valid wide CSV (random but seeded), imports it into a fresh
SQLite store (`brugerblik import`'s code path), loads the wide frame back, and then, for every
table, times in the same run:

  ours  = report.registry.render(id, wide, guide, fmt="csv")  (population, effective group, CSV text)
  hand  = the same table written by hand in pandas on the frame pd.read_csv gave for the same
          CSV (rule-derived group included, CSV text included)

and prints the ratio ours/hand (target: ≤ 3 for 5,000). Loading the frame (from the store for
ours, from the CSV for hand) is timed separately and reported, not folded into the ratio.
Timings are the median of --repeat runs. Targets are checked here, never in the test suite.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archetypes.rule import AGE_SPLIT, RULE  # noqa: E402
from report import registry  # noqa: E402
from survey import wideio  # noqa: E402
from survey.db import make_engine  # noqa: E402
from survey.guide import load_guide  # noqa: E402
from survey.store import load_wide  # noqa: E402

SITES = [("St. Dannesbo", "boform"), ("KFUM Kollegium", "boform"), ("Møltrup", "boform"), ("Tre Ege", "boform"),
         ("Basen", "boform"), ("Solvang", "boform"), ("Amadeus", "vaerested"), ("Linie 14", "vaerested"),
         ("Regnbuen", "vaerested"), ("Livsværkstederne", "vaerested"), ("Solstrålen", "vaerested"),
         ("Værestedet i Otterup", "vaerested")]
WORDS = ("rytme hverdag værested mentor arbejde gæld kontakt venner boform sagsbehandler aktivering "
         "køkken værksted have misbrug behandling bolig familie job praktik").split()


def generate(guide, n: int, seed: int = 1) -> pd.DataFrame:
    """n valid respondents: every code filled with a valid value or left blank (about 15 %)."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        site, stype = SITES[i % len(SITES)]
        r: dict[str, str | None] = {"respondent_id": f"R{i + 1:06d}", "site": site, "site_type": stype,
                                    "interviewer": f"Interviewer {i % 7 + 1}",
                                    "interview_date": f"2006-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"}
        for code, it in guide.items.items():
            if code in r or rnd.random() < 0.15:
                continue
            if it.type == "select_one":
                r[code] = rnd.choice(it.choice_values())
            elif it.type == "select_multiple":
                r[code] = ";".join(v for v in it.choice_values() if rnd.random() < 0.3) or None
            elif it.type == "integer":
                r[code] = str(rnd.randint(18, 80) if code == "age" else rnd.randint(0, 25))
            elif it.type == "decimal":
                r[code] = str(rnd.randint(0, 60))
            elif it.type == "date":
                r[code] = "2006-05-01"
            else:
                r[code] = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(3, 25))).capitalize() + "."
        rows.append(r)
    return pd.DataFrame(rows, columns=guide.codes, dtype=object)


# ------------------------------------------------------------------ tables by hand, in pandas

BANDS = [("-29", 0, 29), ("30-39", 30, 39), ("40-49", 40, 49), ("50-", 50, 200)]


def hand_group(df: pd.DataFrame) -> pd.Series:
    rule = df["arketype"].map(RULE)
    age = pd.to_numeric(df["age"], errors="coerce")
    eks = df["arketype"].eq("eks_misbruger")
    rule = rule.where(~eks, pd.Series(["unge_misbrugere"] * len(df), index=df.index)
                      .where(age < AGE_SPLIT, "aeldre_misbrugere").where(age.notna()))
    return df["brugergruppe"].where(df["brugergruppe"].notna() & df["brugergruppe"].ne(""), rule)


def hand_tables(df: pd.DataFrame, probes: list[str]) -> dict[str, callable]:
    def t31():
        age = pd.to_numeric(df["age"], errors="coerce")
        counts = {b: int(((age >= lo) & (age <= hi)).sum()) for b, lo, hi in BANDS}
        return pd.Series(counts).to_csv()

    def t32():
        g = hand_group(df)
        return pd.crosstab(g, df["gender"], margins=True).to_csv()

    def oversigt():
        return df.groupby(["site_type", "site"]).agg(
            n=("respondent_id", "size"), udvalgt=("selected_by_staff", lambda s: (s == "ja").sum()),
            ja=("consent_journal", lambda s: (s == "ja").sum()),
            nej=("consent_journal", lambda s: (s == "nej").sum())).to_csv()

    def f31():
        return pd.crosstab(df["tilbudstype"], hand_group(df), margins=True).to_csv()

    def t41(vigtig=False):
        out = []
        for p in probes:
            ja, nej = df[p].eq("ja"), df[p].eq("nej")
            row = [p, int(ja.sum()), int(nej.sum())]
            if vigtig:
                v = df[p + "_vigtigt"].eq("ja")
                row += [int((ja & v).sum()), int((nej & v).sum())]
            out.append(row)
        return pd.DataFrame(out).sort_values(1, ascending=False, kind="stable").to_csv()

    def f4():
        sub = df[df["rytme"].isin(["ja", "nej"])]
        return pd.crosstab(hand_group(df).loc[sub.index], sub["rytme"], margins=True).to_csv()

    def f7(code):
        return lambda: pd.crosstab(df[code].fillna("ikke_besvaret"), hand_group(df).fillna("uoplyst"),
                                   margins=True).to_csv()

    def t72():
        return pd.crosstab(df["inddraget"], df["samlet_tilfredshed"], margins=True).to_csv()

    def kort():
        out = []
        for p in probes:
            ja, nej = df[p].eq("ja"), df[p].eq("nej")
            v = df[p + "_vigtigt"].eq("ja")
            n = int((ja | nej).sum())
            out.append([p, n, ja.sum() / n if n else None, ((ja | nej) & v).sum() / n if n else None])
        return pd.DataFrame(out).round(3).to_csv()

    return {"3.1": t31, "3.2": t32, "oversigt": oversigt, "fig3.1": f31, "4.1": t41,
            "4.2": lambda: t41(True), "fig4": f4, "fig7.1": f7("rigtige_mennesker"), "fig7.2": f7("samarbejde"),
            "fig7.3": f7("kunne_vaere_bedre"), "fig7.4": f7("nok_med_at_bestemme"), "7.2": t72,
            "kvalitetskort": kort}


def timed(fn, repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def run(sizes: list[int], repeat: int) -> None:
    guide = load_guide()
    probes = [p.code for p in guide.probes]
    print(f"Python {sys.version.split()[0]}, pandas {pd.__version__}; median of {repeat} runs; SQLite store\n")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "data.csv"
            generate(guide, n).to_csv(csv, index=False)
            engine = make_engine(f"sqlite:///{tmp}/store.db")
            t0 = time.perf_counter()
            result = wideio.import_file(engine, guide, csv)
            t_import = time.perf_counter() - t0
            assert not result.problems, result.problems[:3]
            t0 = time.perf_counter()
            wide = load_wide(engine, guide)
            t_load = time.perf_counter() - t0
            t0 = time.perf_counter()
            raw = pd.read_csv(csv, dtype=str, keep_default_na=False).replace("", None)
            t_csv = time.perf_counter() - t0
            engine.dispose()
        print(f"## {n:,} respondents")
        print(f"import {t_import:.2f} s ({n / t_import:,.0f} respondents/s); load wide frame from store "
              f"{t_load:.2f} s; pd.read_csv of the same CSV {t_csv:.2f} s\n")
        print("| table | ours (ms) | by hand (ms) | ours / hand |")
        print("|---|---:|---:|---:|")
        hand = hand_tables(raw, probes)
        for tid, hfn in hand.items():
            kw = {"probe": "rytme"} if tid == "fig4" else {}
            ours = timed(lambda: registry.render(tid, wide, guide, fmt="csv", **kw), repeat)
            theirs = timed(hfn, repeat)
            print(f"| {tid} | {ours * 1000:.1f} | {theirs * 1000:.1f} | {ours / theirs:.2f} |")
        print()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="61,5000,50000")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    run([int(x) for x in a.sizes.split(",")], a.repeat)
