#!/usr/bin/env bash
# ctest "peers_jwtx_harness" (label peers): jwtx's peer harness on inputs made by make_inputs.py
# (3 tokens per algorithm, HS256 and ES256): it measures and prints one valid JSON line, its cache
# mode hits, and it declares the row VOID (exit 4) when a good token is rejected or the tampered,
# wrong-aud or expired token is accepted; usage and unreadable inputs give exits 2 and 3. Needs no
# peer and no network; a few seconds (each measuring run has the 0.5 s warm-up). Then driver.py
# with jwtx alone: its JSON report, rendered again with --from-json.
# Usage: harness_test.sh JWTX_CLI JWTX_PEERS_HARNESS
set -euo pipefail
cli="$1"
harness="$2"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

python3 "$here/make_inputs.py" --jwtx "$cli" --out "$tmp/in" --algs HS256,ES256 --count 3

# expect_json FILE KEY VALUE: the single stdout line is JSON whose KEY equals VALUE (as text).
expect_json() {
  python3 - "$@" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, f"want one line, got {len(lines)}"
rec = json.loads(lines[0])
got = str(rec.get(sys.argv[2]))
assert got == sys.argv[3], f"{sys.argv[2]}: want {sys.argv[3]!r}, got {got!r}"
if rec.get("tokens_per_s") is not None:
    assert rec["tokens_per_s"] > 0 and rec["verified"] > 0, rec
PY
}

# run_harness WANT_RC OUT ARGS...: runs the harness, checks its exit code.
run_harness() {
  local want="$1" out="$2" rc=0
  shift 2
  "$harness" "$@" >"$out" 2>"$tmp/stderr" || rc=$?
  [[ "$rc" == "$want" ]] || fail "$* exited $rc, want $want ($(cat "$tmp/stderr"))"
}

for alg in HS256 ES256; do
  run_harness 0 "$tmp/out" "$alg" "$tmp/in" 0.01
  expect_json "$tmp/out" mode verify || fail "$alg verify output"
  expect_json "$tmp/out" distinct_tokens 3 || fail "$alg verify output"
done
run_harness 0 "$tmp/out" ES256 "$tmp/in" 0.01 cache
expect_json "$tmp/out" mode cache || fail "cache output"
expect_json "$tmp/out" distinct_tokens 1 || fail "cache output"

# Each bad input in turn swapped for a good token (and a bad one among the good): VOID.
good="$(head -n1 "$tmp/in/HS256.tokens")"
for bad in tampered wrong_aud expired; do
  cp -r "$tmp/in" "$tmp/v"
  echo "$good" >"$tmp/v/HS256.$bad"
  run_harness 4 "$tmp/out" HS256 "$tmp/v" 0.01
  expect_json "$tmp/out" void "the $bad token was accepted" || fail "VOID for $bad"
  cat "$tmp/in/HS256.$bad" >>"$tmp/v/HS256.tokens"
  echo "$good" >"$tmp/v/HS256.$bad"
  run_harness 4 "$tmp/out" HS256 "$tmp/v" 0.01
  expect_json "$tmp/out" void "a good token was rejected" || fail "VOID for a $bad in the list"
  rm -rf "$tmp/v"
done

run_harness 2 "$tmp/out" HS256 "$tmp/in"
run_harness 2 "$tmp/out" HS256 "$tmp/in" 0
run_harness 2 "$tmp/out" HS256 "$tmp/in" 1 nocache
run_harness 3 "$tmp/out" HS256 "$tmp/missing" 0.01
run_harness 3 "$tmp/out" HS257 "$tmp/in" 0.01
# The driver on jwtx alone (one round): its JSON report holds both rows and the verdicts.
python3 "$here/driver.py" --inputs "$tmp/in" --bin "$(dirname "$harness")" --impls jwtx \
  --algs HS256 --cache-algs ES256 --seconds 0.01 --rounds 1 --json >"$tmp/report.json" ||
  fail "driver.py exited $?"
python3 - "$tmp/report.json" <<'PY' || fail "driver report"
import json, sys
r = json.load(open(sys.argv[1]))
for k in ("jwtx/HS256/verify", "jwtx/ES256/cache"):
    assert r["results"][k]["status"] == "ok" and r["results"][k]["median"] > 0, (k, r["results"])
assert r["verdicts"]["jwtx_ahead_everywhere"]["met"] is True, r["verdicts"]
assert r["verdicts"]["cache_10x_fast_jwt"]["met"] is None  # no fast-jwt row: not measured
PY
# The saved report rendered again, per CPU-second: a table with both rows.
python3 "$here/driver.py" --from-json "$tmp/report.json" --per-cpu-second >"$tmp/table.txt" ||
  fail "driver.py --from-json exited $?"
grep -q '^| HS256 | [0-9,]* |$' "$tmp/table.txt" || fail "no HS256 row in the rendered table"
grep -q '^| ES256 cache hit | [0-9,]* |$' "$tmp/table.txt" || fail "no cache row in the table"
echo "peers_jwtx_harness: ok"
