#!/usr/bin/env bash
# wrk (Debian) against these set-ups on loopback, keep-alive, one cached ES256 token:
#   (a) jwtx serve alone                              GET /auth with the token
#   (b) nginx -> upstream, no auth                    the plain proxy hop
#   (c) nginx -> auth_request jwtx serve -> upstream  the same hop behind the sidecar (nginx's
#                                                     default GET auth subrequest)
#   (d) as (c) with the subrequest sent as HEAD
# nginx keeps an upstream connection of an auth subrequest alive only when the answer has no body:
# jwtx serve's answers have none, so (c) and (d) should match (with a body, GET was half of HEAD).
# The upstream is nginx itself (`return 200` in a second server block), so it costs next to
# nothing and (b) vs (c) isolates the auth hop. Prints req/s, p50 and p99 of each and the ratios
# c/b, d/b (the issue's target: >= 0.70). Every process runs in a temp dir on free ports and is
# stopped at the end (jwtx serve must exit 0 after SIGTERM). Bounded: 4 runs of SECONDS plus ~1 s.
# Usage: nice -n 19 bench/serve_nginx_wrk.sh [build-dir] [seconds] [connections]
# JWTX_SERVE_ARGS adds flags to `jwtx serve` (e.g. "--workers 1").
# Environment: NGINX_WORKERS (default 1), WRK_THREADS (default 1).
set -euo pipefail
build=${1:-build}
seconds=${2:-5}
conns=${3:-50}
workers=${NGINX_WORKERS:-1}
threads=${WRK_THREADS:-1}
jwtx="$build/jwtx"
nginx=$(command -v nginx || echo /usr/sbin/nginx)
die() {
  echo "serve_nginx_wrk: $*" >&2
  exit 1
}
[ -x "$jwtx" ] || die "$jwtx missing (cmake --build $build --target jwtx_cli)"
[ -x "$nginx" ] || die "nginx missing (scripts/deps.sh)"
command -v wrk >/dev/null || die "wrk missing (scripts/deps.sh)"

dir=$(mktemp -d)
chmod 755 "$dir"  # nginx's workers may run as an unprivileged user when started by root
jwtx_pid=""
nginx_pid=""
cleanup() {
  [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  [ -n "$jwtx_pid" ] && kill -TERM "$jwtx_pid" 2>/dev/null && wait "$jwtx_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

"$jwtx" keygen --alg ES256 --kid bench --out-dir "$dir" >/dev/null
cat >"$dir/serve.yaml" <<YAML
providers:
  bench:
    issuer: https://issuer.example
    audiences: [api]
    algorithms: [ES256]
    local_jwks: {filename: $dir/bench.public.jwks.json}
    claim_to_headers: [{claim_name: sub, header_name: X-Jwt-Sub}]
YAML
token=$("$jwtx" mint --key "$dir/bench.private.jwk.json" --exp-in 3600 \
  --claims '{"iss":"https://issuer.example","aud":"api","sub":"bench"}')
jwtx_port=$(free_port)
proxy_port=$(free_port)
app_port=$(free_port)

# The access log goes to a file, as in production (its cost is part of the sidecar's).
"$jwtx" serve --listen "127.0.0.1:$jwtx_port" --config "$dir/serve.yaml" ${JWTX_SERVE_ARGS:-} \
  >"$dir/jwtx.access.log" 2>"$dir/jwtx.err" &
jwtx_pid=$!

# A protected location whose auth_request subrequests use |method| (nginx's default is GET).
auth_locations() {
  local path=$1 method=$2
  cat <<LOCATIONS
    location $path {
      auth_request /_jwtx_auth_$method;
      auth_request_set \$jwt_sub \$upstream_http_x_jwt_sub;
      proxy_set_header Connection "";
      proxy_set_header X-Jwt-Sub \$jwt_sub;
      proxy_pass http://app;
    }
    location = /_jwtx_auth_$method {
      internal;
      proxy_method $method;
      proxy_pass http://jwtx_auth/auth;
      proxy_pass_request_body off;
      proxy_pass_request_headers off;
      proxy_set_header Connection "";
      proxy_set_header Authorization \$http_authorization;
      proxy_set_header Cookie \$http_cookie;
    }
LOCATIONS
}

# nginx's access log is off: (b) and (c) pay the same nginx work, the ratio is the auth hop.
cat >"$dir/nginx.conf" <<NGINX
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  upstream app { server 127.0.0.1:$app_port; keepalive 64; }
  upstream jwtx_auth { server 127.0.0.1:$jwtx_port; keepalive 64; }
  server {
    listen 127.0.0.1:$app_port;
    location / { return 200 "ok\n"; }
  }
  server {
    listen 127.0.0.1:$proxy_port;
    # Keep-alive to both upstreams. A location's own proxy_set_header replaces every inherited
    # one, so each location sets Connection "" itself.
    proxy_http_version 1.1;
    location /plain/ {
      proxy_set_header Connection "";
      proxy_pass http://app;
    }
$(auth_locations /app/ HEAD)
$(auth_locations /app-get/ GET)
  }
}
NGINX
"$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx.error.log" &
nginx_pid=$!

ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$@")" = 200 ]; }
for _ in $(seq 200); do
  ok "http://127.0.0.1:$jwtx_port/healthz" && ok "http://127.0.0.1:$proxy_port/plain/" && break
  sleep 0.05
done
auth=(-H "Authorization: Bearer $token")
for url in "http://127.0.0.1:$jwtx_port/auth" "http://127.0.0.1:$proxy_port/app/" \
  "http://127.0.0.1:$proxy_port/app-get/"; do
  ok "${auth[@]}" "$url" || die "$url did not answer 200: $(cat "$dir"/*.err*)"
done
ok "http://127.0.0.1:$proxy_port/app/" && die "a request without a token got a 200"
ok "http://127.0.0.1:$proxy_port/app-get/" && die "a request without a token got a 200"

# One wrk run: prints "label req/s p50 p99" and fails on socket errors or non-2xx answers.
run() {
  local label=$1
  shift
  local out
  out=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency "$@") || die "$label: wrk failed"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    die "$label had errors:"$'\n'"$out"
  fi
  awk -v label="$label" '
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 }
    $1 == "99%" { p99 = $2 }
    END {
      if (rps == "") exit 1
      printf "%-34s %12s req/s   p50 %9s   p99 %9s\n", label, rps, p50, p99
    }' <<<"$out" || die "$label: no result from wrk"
}

echo "wrk -t$threads -c$conns -d${seconds}s, keep-alive, nginx workers: $workers," \
  "nproc: $(nproc), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
a=$(run "(a) jwtx serve alone" "${auth[@]}" "http://127.0.0.1:$jwtx_port/auth")
echo "$a"
b=$(run "(b) nginx -> upstream (no auth)" "http://127.0.0.1:$proxy_port/plain/")
echo "$b"
c=$(run "(c) nginx -> jwtx (GET) -> upstream" "${auth[@]}" "http://127.0.0.1:$proxy_port/app-get/")
echo "$c"
d=$(run "(d) nginx -> jwtx (HEAD) -> upstream" "${auth[@]}" "http://127.0.0.1:$proxy_port/app/")
echo "$d"
rps() { awk '{print $(NF-5)}' <<<"$1"; }
awk -v b="$(rps "$b")" -v c="$(rps "$c")" -v d="$(rps "$d")" 'BEGIN {
  printf "ratio c/b: %.2f (the auth hop costs %.0f %% of the plain proxy throughput)\n", \
    c / b, 100 * (1 - c / b)
  printf "ratio d/b: %.2f (HEAD auth subrequests)\n", d / b }'

kill -TERM "$nginx_pid"
wait "$nginx_pid" || true
nginx_pid=""
kill -TERM "$jwtx_pid"
wait "$jwtx_pid" || die "jwtx serve exited $?: $(cat "$dir/jwtx.err")"
jwtx_pid=""
