#!/usr/bin/env python3
"""bench/compare_runs.py on the hand-made runs base.json and new.json beside this file: ratios,
units, medians of repetitions, flags, missing/extra/errored names, exit codes and bad inputs.
Usage: compare_runs_test.py PATH/TO/compare_runs.py
"""
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
BASE, NEW = str(HERE / "base.json"), str(HERE / "new.json")
failures = []


def run(*args):
    p = subprocess.run([sys.executable, sys.argv[1], *args], capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


def expect(condition, what):
    if not condition:
        failures.append(what)


def row(stdout, name):
    """(ratio, flag) printed for |name| (the cv column, when there is one, skipped)."""
    m = re.search(rf"^{re.escape(name)}\s+\S+ \S+\s+\S+ \S+\s+([0-9.]+)(?:\s+(?:[0-9.]+ %|-))?"
                  rf"\s*(\S*)$", stdout, re.M)
    return (float(m.group(1)), m.group(2)) if m else None


def main():
    code, out, err = run(BASE, NEW)
    expect(code == 0, f"default run exits 0 even with a regression, got {code}: {err}")
    expect(row(out, "BM_A") == (1.05, ""), f"BM_A: {row(out, 'BM_A')}")
    # 2 us against 2500 ns: units are converted before the ratio.
    expect(row(out, "BM_B/64") == (1.25, "REGRESSION"), f"BM_B/64: {row(out, 'BM_B/64')}")
    # Medians of repetitions, outliers ignored: 9 / 11.
    expect(row(out, "BM_C") == (0.818, "faster"), f"BM_C: {row(out, 'BM_C')}")
    # The median aggregate, not the mean or the raw repetitions.
    expect(row(out, "BM_D") == (1.0, ""), f"BM_D: {row(out, 'BM_D')}")
    # The within-run spread: the larger cv of the two runs (0 and 5 %), "-" without repetitions.
    expect(re.search(r"^BM_D\s.*1\.000\s+5\.0 %$", out, re.M), "BM_D's cv column:\n" + out)
    expect(re.search(r"^BM_A\s.*1\.050\s+-$", out, re.M), "BM_A's empty cv column:\n" + out)
    # 12 % slower, but within twice the larger cv (10 %): marked, not counted.
    expect(row(out, "BM_E") == (1.12, "REGRESSION?"), f"BM_E: {row(out, 'BM_E')}")
    expect(row(out, "BM_Err") is None, "an errored benchmark must not be compared")
    expect("only in base (1, not compared): BM_Gone" in out, "BM_Gone not reported")
    expect("only in new (1, not compared): BM_New" in out, "BM_New not reported")
    expect("error in new (1, not compared): BM_Err" in out, "BM_Err not reported")
    expect("5 compared" in out and "1 slower by more than 10 % (and 1 more within twice their cv)"
           in out, "summary line:\n" + out)
    expect("host_name=base-host" in out and "host_name=new-host" in out, "run contexts not shown")

    code, out, _ = run(BASE, NEW, "--fail-on-regression")
    expect(code == 1, f"--fail-on-regression with a regression exits 1, got {code}")
    code, out, _ = run(BASE, NEW, "--fail-on-regression", "--threshold", "30%")
    expect(code == 0 and row(out, "BM_B/64") == (1.25, ""), f"threshold 30 %: {code}")
    code, out, _ = run(BASE, NEW, "--threshold", "1", "--fail-on-regression")
    expect(code == 1 and row(out, "BM_A") == (1.05, "REGRESSION"), f"threshold 1 %: {code}")
    code, out, _ = run(BASE, BASE, "--fail-on-regression")
    expect(code == 0 and "0 slower" in out, f"a run against itself: {code}")

    with tempfile.TemporaryDirectory() as tmp:
        invalid = pathlib.Path(tmp) / "invalid.json"
        invalid.write_text("{not json")
        wrong = pathlib.Path(tmp) / "wrong.json"
        wrong.write_text('{"results": []}')
        other = pathlib.Path(tmp) / "other.json"
        other.write_text('{"benchmarks": [{"name": "BM_Z", "real_time": 1, "time_unit": "ns"}]}')
        bad_time = pathlib.Path(tmp) / "bad_time.json"
        bad_time.write_text(
            '{"benchmarks": [{"name": "BM_A", "real_time": -1, "time_unit": "ns"}]}')
        for args, why in (((BASE, str(pathlib.Path(tmp) / "missing.json")), "cannot read"),
                          ((BASE, str(invalid)), "cannot read"),
                          ((str(wrong), NEW), "no \"benchmarks\" list"),
                          ((BASE, str(other)), "no benchmark in common"),
                          ((str(bad_time), NEW), "not a positive time"),
                          ((BASE, NEW, "--threshold", "-5"), "positive percentage"),
                          ((BASE,), "required")):
            code, _, err = run(*args)
            expect(code == 2 and why in err,
                   f"{args}: expected exit 2 with {why!r}, got {code}: {err}")

    for f in failures:
        print("FAIL", f)
    print(f"compare_runs: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
