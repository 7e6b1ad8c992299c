#!/usr/bin/env python3
"""Compares two Google Benchmark JSON runs (bench/micro.sh output) as ratios, for regressions.

Usage: compare_runs.py BASE.json NEW.json [--threshold PERCENT] [--fail-on-regression]

Per benchmark (matched by name) it prints NEW/BASE of real_time per iteration, converted to
nanoseconds so a change of time unit does not matter: above 1 is slower. When a run has
repetitions the median is used (Google Benchmark's "median" aggregate when present, else the
median of the repetitions), and with repetitions in both runs the larger coefficient of
variation ("cv max") shows the within-run noise. A ratio above 1 + PERCENT/100 is flagged
REGRESSION, below 1 / (1 + PERCENT/100) "faster"; with a "?" (and not counted as a regression)
when the change is within twice cv max. Benchmarks only in one run, or that reported an error,
are listed and not compared. Absolute times are shown for orientation only: compare runs from the
same machine, and judge the ratios against the noise (two runs of the same build).

Exit status: 0 (also with regressions, unless --fail-on-regression), 1 regressions found with
--fail-on-regression, 2 bad usage or an unreadable / invalid file, or no benchmark in common.
"""
import argparse
import json
import math
import statistics
import sys

NS_PER_UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


class BadInput(Exception):
    pass


def load_run(path):
    """Per run: {name: real time per iteration in ns (median over repetitions)},
    {name: error message}, {name: coefficient of variation over repetitions}, context."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise BadInput(f"{path}: cannot read a benchmark JSON file: {e}") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list):
        raise BadInput(f"{path}: no \"benchmarks\" list (not Google Benchmark JSON output)")
    samples, medians, errors, cvs = {}, {}, {}, {}
    for b in doc["benchmarks"]:
        if not isinstance(b, dict) or "name" not in b:
            raise BadInput(f"{path}: a benchmark entry without a name")
        name = b.get("run_name", b["name"])
        if b.get("error_occurred"):
            errors[name] = b.get("error_message", "error")
            continue
        aggregate = b.get("aggregate_name") if b.get("run_type") == "aggregate" else None
        if aggregate == "cv":  # stddev / mean over the repetitions, a plain fraction
            cv = float(b.get("real_time", math.nan))
            if math.isfinite(cv) and cv >= 0:
                cvs[name] = cv
            continue
        if aggregate not in (None, "median"):
            continue
        try:
            ns = float(b["real_time"]) * NS_PER_UNIT[b.get("time_unit", "ns")]
        except (KeyError, TypeError, ValueError) as e:
            raise BadInput(f"{path}: {b['name']}: no usable real_time/time_unit ({e})") from e
        if not math.isfinite(ns) or ns <= 0:
            raise BadInput(f"{path}: {b['name']}: real_time {b['real_time']} "
                           "is not a positive time")
        if aggregate == "median":
            medians[name] = ns
        else:
            samples.setdefault(name, []).append(ns)
    times = {name: statistics.median(values) for name, values in samples.items()}
    times.update(medians)
    for name in errors:
        times.pop(name, None)
    return times, errors, cvs, doc.get("context", {})


def human(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def describe(label, path, context):
    keys = ("date", "host_name", "num_cpus", "load_avg", "library_build_type")
    parts = [f"{k}={context[k]}" for k in keys if k in context]
    print(f"{label}: {path}" + (f" ({', '.join(map(str, parts))})" if parts else ""))


def parse_threshold(text):
    value = float(text.rstrip("%"))
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("the threshold is a positive percentage, e.g. 10")
    return value


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--threshold", type=parse_threshold, default=10.0,
                        help="percent slower that counts as a regression (default 10)")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help="exit 1 when any benchmark regressed beyond the threshold")
    args = parser.parse_args(argv)
    try:
        base, base_errors, base_cv, base_context = load_run(args.base)
        new, new_errors, new_cv, new_context = load_run(args.new)
    except BadInput as e:
        print(f"compare_runs: {e}", file=sys.stderr)
        return 2
    describe("base", args.base, base_context)
    describe("new ", args.new, new_context)
    common = [name for name in base if name in new]
    if not common:
        print("compare_runs: the two runs have no benchmark in common", file=sys.stderr)
        return 2

    limit = 1 + args.threshold / 100
    width = min(max(len(n) for n in common), 70)
    # The larger within-run spread (stddev/mean over repetitions) of the two, when both have it. A
    # change beyond the threshold but within twice that spread is marked with "?" and not counted:
    # the runs cannot tell it from noise. (Load that changes between runs is not in the spread.)
    spread = {n: max(base_cv[n], new_cv[n]) for n in common if n in base_cv and n in new_cv}
    cv_header = "  cv max" if spread else ""
    print(f"{'benchmark':<{width}}  {'base':>10}  {'new':>10}  new/base{cv_header}")
    regressions, within_noise, ratios = [], [], []
    for name in common:
        ratio = new[name] / base[name]
        ratios.append(ratio)
        flag = "REGRESSION" if ratio > limit else "faster" if ratio < 1 / limit else ""
        if flag and name in spread and abs(math.log(ratio)) <= math.log1p(2 * spread[name]):
            flag += "?"
            if ratio > 1:
                within_noise.append(name)
        elif flag == "REGRESSION":
            regressions.append(name)
        times = f"{human(base[name]):>10}  {human(new[name]):>10}"
        cv = ""
        if spread:
            cv = f"  {spread[name] * 100:5.1f} %" if name in spread else "       -"
        print(f"{name:<{width}}  {times}  {ratio:8.3f}{cv}  {flag}".rstrip())

    only_base = [n for n in base if n not in new and n not in new_errors]
    only_new = [n for n in new if n not in base and n not in base_errors]
    for label, names in (("only in base", only_base), ("only in new", only_new),
                         ("error in base", sorted(base_errors)),
                         ("error in new", sorted(new_errors))):
        if names:
            print(f"{label} ({len(names)}, not compared): {', '.join(names)}")
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    ordered = sorted(ratios)
    print(f"{len(common)} compared (real time per iteration, new/base; medians over repetitions): "
          f"geometric mean {geomean:.3f}, min {ordered[0]:.3f}, max {ordered[-1]:.3f}; "
          f"{len(regressions)} slower by more than {args.threshold:g} %"
          + (f" (and {len(within_noise)} more within twice their cv)" if within_noise else ""))
    return 1 if regressions and args.fail_on_regression else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
