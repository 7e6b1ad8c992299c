#!/usr/bin/env python3
"""Runs every peer harness on the shared inputs and prints one table (bench/peers/README.md).

Interleaved rounds: in round r every (implementation, algorithm) pair runs once, in its own
process, in an order rotated by r, so slow drift of the machine (other work, frequency) spreads
over all rows instead of landing on one. The table shows each pair's median tokens/s over the
rounds and jwtx's ratio to it; the cache rows compare fast-jwt's verified-token cache with jwtx's
on a repeated token. A harness that fails its pre-timing checks (good token accepted, tampered /
wrong-aud / expired token rejected) is VOID; one that lacks an algorithm is n/a.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ALL_IMPLS = ["jwtx", "libjwt", "cpp-jwt", "pyjwt", "fast-jwt", "jose", "jsonwebtoken"]
C_CPP_PEERS = ["libjwt", "cpp-jwt"]
EXIT_VOID, EXIT_UNSUPPORTED = 4, 6


def harness_command(impl, a):
    """argv prefix of |impl|'s harness (followed by ALG DIR SECONDS [cache])."""
    if impl == "jwtx":
        return [os.path.join(a.bin, "jwtx_peers_harness")]
    if impl == "libjwt":
        return [os.path.join(a.bin, "libjwt_harness")]
    if impl == "cpp-jwt":
        return [os.path.join(a.bin, "cppjwt_harness")]
    if impl == "pyjwt":
        return [a.python, os.path.join(HERE, "pyjwt_harness.py")]
    return [a.node, os.path.join(HERE, "node", "harness.mjs"), impl]


def run_one(impl, alg, mode, a):
    """One harness process; returns its JSON record plus "status"."""
    cmd = harness_command(impl, a) + [alg, a.inputs, str(a.seconds)]
    if mode == "cache":
        cmd.append("cache")
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=a.seconds * 2 + 60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return {"status": "error", "why": f"{type(e).__name__}: {e}"}
    lines = r.stdout.strip().splitlines()
    try:
        rec = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        rec = {}
    if r.returncode == 0 and "tokens_per_s" in rec:
        rec["status"] = "ok"
    elif r.returncode == EXIT_UNSUPPORTED:
        rec["status"] = "n/a"
    elif r.returncode == EXIT_VOID:
        rec["status"] = "void"
    else:
        why = rec.get("error") or r.stderr.strip()[-300:] or f"exit {r.returncode}"
        rec = {"status": "error", "why": why}
    return rec


def machine():
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "nproc": os.cpu_count(), "kernel": platform.release()}


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def load_report(path):
    """A report saved with --json, back as the measuring loop's state."""
    with open(path) as f:
        report = json.load(f)
    jobs, wall, cpu, final = [], {}, {}, {}
    for key, c in report["results"].items():
        job = tuple(key.split("/"))
        jobs.append(job)
        wall[job], cpu[job] = c.get("wall_samples", []), c.get("cpu_samples", [])
        if c["status"] != "ok":
            final[job] = c
    return {"report": report, "jobs": jobs, "wall": wall, "cpu": cpu, "final": final}


def at_least(target, ratios):
    """True when every ratio reaches |target|, None when none could be measured."""
    known = [r for r in ratios.values() if r is not None]
    if not known:
        return None
    return len(known) == len(ratios) and all(r >= target for r in known)


def verdict_word(met):
    return {True: "MET", False: "MISSED", None: "NOT MEASURED"}[met]


def fmt_rate(x):
    return f"{x:,.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", help="directory written by make_inputs.py (required to measure)")
    ap.add_argument("--bin", help="directory with the compiled harnesses (required to measure)")
    ap.add_argument("--node", default="node")
    ap.add_argument("--python", default="/usr/bin/python3", help="interpreter with python3-jwt")
    ap.add_argument("--seconds", type=float, default=1.0, help="timed seconds per run")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--algs", default="HS256,RS256,PS256,ES256,ES384,EdDSA")
    ap.add_argument("--impls", default=",".join(ALL_IMPLS))
    ap.add_argument("--cache-algs", default="ES256,RS256",
                    help="algorithms of the cache rows (empty: none)")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--from-json", metavar="FILE",
                    help="render a report saved with --json again (e.g. with --per-cpu-second) "
                         "instead of measuring")
    ap.add_argument("--per-cpu-second", action="store_true",
                    help="rank by tokens per CPU-second of the process instead of per wall second "
                         "(steadier on a busy machine; counts a runtime's GC threads too)")
    a = ap.parse_args()
    if a.from_json and not os.path.isfile(a.from_json):
        sys.exit(f"driver: --from-json {a.from_json}: no such file")
    if not a.from_json and not (a.inputs and a.bin):
        sys.exit("driver: --inputs and --bin are required (unless --from-json)")
    if not 0 < a.seconds <= 600 or not 1 <= a.rounds <= 100:
        sys.exit("driver: --seconds must be in (0, 600], --rounds in [1, 100]")
    algs = [x for x in a.algs.split(",") if x]
    impls = [x for x in a.impls.split(",") if x]
    unknown = [i for i in impls if i not in ALL_IMPLS]
    if unknown or "jwtx" not in impls:
        sys.exit(f"driver: --impls must include jwtx and only {ALL_IMPLS} (got {unknown})")
    cache_algs = [x for x in a.cache_algs.split(",") if x]
    cache_impls = [i for i in ("jwtx", "fast-jwt") if i in impls]

    if a.from_json:
        saved = load_report(a.from_json)
        jobs, samples, cpu_samples = saved["jobs"], saved["wall"], saved["cpu"]
        final = saved["final"]
        impls = [i for i in ALL_IMPLS if any(j[0] == i for j in jobs)]
        algs = list(dict.fromkeys(j[1] for j in jobs if j[2] == "verify"))
        cache_algs = list(dict.fromkeys(j[1] for j in jobs if j[2] == "cache"))
        r = saved["report"]
        date, versions, load_before, load_after = (r["date"], r["versions"], r["load_before"],
                                                   r["load_after"])
        a.seconds, a.rounds, machine_info = r["seconds"], r["rounds"], r["machine"]
    else:
        jobs = [(i, alg, "verify") for alg in algs for i in impls]
        jobs += [(i, alg, "cache") for alg in cache_algs for i in cache_impls]
        started = datetime.datetime.now(datetime.timezone.utc)
        load_before = loadavg()
        samples = {j: [] for j in jobs}  # tokens/s by wall time
        cpu_samples = {j: [] for j in jobs}  # tokens per CPU-second of the process
        final = {}  # job -> the record that settles it (n/a, void, error)
        versions = {}
        total = a.rounds * len(jobs)
        done = 0
        for r in range(a.rounds):
            shift = (r * len(jobs)) // a.rounds
            for job in jobs[shift:] + jobs[:shift]:
                done += 1
                if job in final:
                    continue
                if sys.stderr.isatty():
                    print(f"\rround {r + 1}/{a.rounds}  run {done}/{total}  " + " ".join(job)
                          + " " * 10, end="", file=sys.stderr, flush=True)
                rec = run_one(*job, a)
                if rec["status"] == "ok":
                    samples[job].append(rec["tokens_per_s"])
                    if rec.get("cpu_seconds", 0) > 0:
                        cpu_samples[job].append(round(rec["verified"] / rec["cpu_seconds"], 1))
                    versions[job[0]] = rec.get("version", "?") + (
                        f" ({rec['runtime']})" if "runtime" in rec else "")
                else:
                    final[job] = rec
        if sys.stderr.isatty():
            print(file=sys.stderr)
        load_after = loadavg()
        date = started.strftime("%Y-%m-%d %H:%M UTC")
        machine_info = machine()

    def cell(job):
        if job in final:
            rec = final[job]
            return {"status": rec["status"],
                    "why": rec.get("void") or rec.get("unsupported") or rec.get("why", "")}
        s = cpu_samples[job] if a.per_cpu_second else samples[job]
        if not s:
            return {"status": "error", "why": "no CPU time reported"}
        return {"status": "ok", "median": statistics.median(s), "samples": s,
                "spread": (max(s) - min(s)) / statistics.median(s),
                "wall_samples": samples[job], "cpu_samples": cpu_samples[job]}

    results = {f"{i}/{alg}/{mode}": cell((i, alg, mode)) for (i, alg, mode) in jobs}

    def median(impl, alg, mode="verify"):
        c = results.get(f"{impl}/{alg}/{mode}")
        return c["median"] if c and c["status"] == "ok" else None

    def ratio(alg, peer, mode="verify"):
        j, p = median("jwtx", alg, mode), median(peer, alg, mode)
        return j / p if j and p else None

    # Target verdicts (issue 14).
    behind = [f"{p} {alg} (x{ratio(alg, p):.2f})" for alg in algs for p in impls
              if p != "jwtx" and ratio(alg, p) is not None and ratio(alg, p) < 1]
    void = [k for k, c in results.items() if c["status"] in ("void", "error")]
    hs = {p: ratio("HS256", p) for p in C_CPP_PEERS if p in impls}
    cache = {alg: ratio(alg, "fast-jwt", "cache") for alg in cache_algs}
    verdicts = {
        "jwtx_ahead_everywhere": {"met": not behind and not void, "behind": behind, "void": void},
        # met: None when the run had nothing to compare (HS256 or the C/C++ peers or the cache
        # rows left out).
        "hs256_10x_c_cpp": {"met": at_least(10, hs), "ratios": hs},
        "cache_10x_fast_jwt": {"met": at_least(10, cache), "ratios": cache},
    }
    report = {
        "date": date, "machine": machine_info,
        "load_before": load_before, "load_after": load_after, "seconds": a.seconds,
        "rounds": a.rounds, "unit": "per_cpu_second" if a.per_cpu_second else "per_second",
        "versions": versions, "results": results, "verdicts": verdicts,
    }
    if a.json:
        print(json.dumps(report, indent=1))
        return 0

    m = report["machine"]
    unit = "tokens per CPU-second" if a.per_cpu_second else "tokens/s (wall)"
    print(f"# jwtx vs peers: verified {unit}, single thread, median of {a.rounds} interleaved "
          f"rounds of {a.seconds:g} s")
    print(f"{report['date']}; {m['cpu']}, nproc {m['nproc']}, load average {load_before[0]} "
          f"before / {load_after[0]} after (1 min); shared machine: compare ratios, not absolutes")
    print("versions: " + "; ".join(f"{i} {versions.get(i, '?')}" for i in impls))
    print()
    print("| alg | " + " | ".join(impls) + " |")
    print("|---|" + "---:|" * len(impls))

    def row(label, alg, mode, cols):
        cells = []
        for i in cols:
            c = results.get(f"{i}/{alg}/{mode}")
            if c is None or c["status"] == "n/a":
                cells.append("n/a")
            elif c["status"] != "ok":
                cells.append(c["status"].upper())
            elif i == "jwtx":
                cells.append(fmt_rate(c["median"]))
            else:
                x = ratio(alg, i, mode)  # None when jwtx's own cell is not a number
                cells.append(fmt_rate(c["median"]) + (f" (x{x:.1f})" if x else ""))
        print(f"| {label} | " + " | ".join(cells) + " |")

    for alg in algs:
        row(alg, alg, "verify", impls)
    for alg in cache_algs:
        row(f"{alg} cache hit", alg, "cache", impls)
    print()
    print("(xN) = jwtx's median / that peer's median. n/a: the library lacks the algorithm (or a "
          "cache).")
    for k, c in results.items():
        if c["status"] in ("void", "error", "n/a") and c.get("why"):
            print(f"  {k}: {c['status']}: {c['why']}")
    print()
    v = verdicts
    print("targets:")
    print(f"  jwtx ahead of every peer on every algorithm: "
          f"{'MET' if v['jwtx_ahead_everywhere']['met'] else 'MISSED'}"
          + (f" (behind: {', '.join(behind)})" if behind else "")
          + (f" (void/error: {', '.join(void)})" if void else ""))
    print("  >= 10x the C/C++ peers on HS256: "
          f"{verdict_word(v['hs256_10x_c_cpp']['met'])} ("
          + ", ".join(f"{p} x{r:.1f}" if r else f"{p} -" for p, r in hs.items()) + ")")
    print("  jwtx cache hit >= 10x fast-jwt's: "
          f"{verdict_word(v['cache_10x_fast_jwt']['met'])} ("
          + ", ".join(f"{alg} x{r:.1f}" if r else f"{alg} -" for alg, r in cache.items()) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
