#!/usr/bin/env bash
# API contract check (DESIGN.md §6): the OpenAPI schema generates without warnings, and
# schemathesis finds no 5xx answer and no answer that contradicts the schema (status code,
# content type, body).
#
#   1. a fresh SQLite database in a temporary folder: migrate, load_geodata (the six demo
#      countries), seed_demo (brands, their data and the demo users)
#   2. `manage.py spectacular --validate --fail-on-warn` writes the schema under test
#   3. gunicorn serves the app on 127.0.0.1 (a free port): DEBUG off, eager Celery, the public
#      throttle out of reach (429 stays documented, it just never fires)
#   4. schemathesis: every operation as a brand admin; the policy writes as an official; the
#      public operations anonymously
#
# Environment: PYTHON (default .venv/bin/python), CONTRACT_MAX_EXAMPLES (generated test cases
# per operation and phase, default 50), CONTRACT_WORKERS (default 2), CONTRACT_SEED (the seed
# of a run to reproduce), CONTRACT_PHASES (default examples,coverage,fuzzing,stateful),
# CONTRACT_CHECKS (default: no 5xx and status code, content type and body as documented).
# Exit status 0 when every run passes. On failure the temporary folder is kept: server log,
# access log, schemathesis' JUnit reports.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-.venv/bin/python}
bin=$(dirname "$python")
max_examples=${CONTRACT_MAX_EXAMPLES:-50}
workers=${CONTRACT_WORKERS:-2}
phases=${CONTRACT_PHASES:-examples,coverage,fuzzing,stateful}
seed=${CONTRACT_SEED:-20261128}  # fixed by default: a CI failure can be replayed exactly
checks=${CONTRACT_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}

# seed_demo's users and their development-only passwords (registry/demo.py, demo_password).
admin_user=aurora_admin
official_user=official_li
demo_password() { echo "demo-$1-2026"; }

tmp=$(mktemp -d)
server_pid=""
keep_tmp=1
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$keep_tmp" = 0 ]; then rm -rf "$tmp"; else echo "Kept for inspection: $tmp"; fi
}
trap cleanup EXIT

# DEBUG off, as deployed: Django's debug pages are HTML, the API's own 404/500 answers JSON.
export DEBUG=false
export SECRET_KEY=contract-test-only-not-a-secret
export ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="sqlite:///$tmp/contract.db"
export PUBLIC_FINDER_RATE=100000/min
export MEDIA_ROOT="$tmp/media"
export LOG_LEVEL=WARNING
export HYPOTHESIS_STORAGE_DIRECTORY="$tmp/hypothesis"
unset REDIS_URL # eager Celery: a coverage report is evaluated inside its request

started=$SECONDS
step() { printf '\n=== %s (%ds)\n' "$*" "$((SECONDS - started))"; }

step "Database: migrate, load_geodata, seed_demo"
"$python" manage.py migrate --noinput --verbosity 0
"$python" manage.py load_geodata --countries KE,TH,DE,MX,CL,AU --min-population 15000
"$python" manage.py seed_demo >"$tmp/seed_demo.txt"
head -n 1 "$tmp/seed_demo.txt"

step "Schema: manage.py spectacular --validate --fail-on-warn"
"$python" manage.py spectacular --validate --fail-on-warn --file "$tmp/schema.yml"

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
step "Server: gunicorn on $base"
# No request-line or header size limits: a 414/431 from gunicorn is the transport's, not the API's.
"$bin/gunicorn" config.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 2 --timeout 60 \
  --limit-request-line 0 --limit-request-field_size 0 \
  --access-logfile "$tmp/access.log" --access-logformat '%(s)s %(M)sms %(m)s %(U)s' \
  --error-logfile "$tmp/server.log" >>"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  if curl -fsS "$base/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "gunicorn exited; its log:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "$base/healthz" >/dev/null

token_for() {
  curl -fsS -X POST "$base/api/v1/auth/token/" -H "Content-Type: application/json" \
    -d "{\"username\": \"$1\", \"password\": \"$(demo_password "$1")\"}" |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
admin_token=$(token_for "$admin_user")
official_token=$(token_for "$official_user")

# Values the seeded database knows, mixed into part of the generated requests so that they get
# past "no such brand/market/object" to the success answers. The cache stays in the temp folder.
cat >"$tmp/schemathesis.toml" <<TOML
[cache]
directory = "$tmp/schemathesis-cache"

[dictionaries.brand]
values = ["aurora"]
[dictionaries.market]
values = ["KE", "TH", "DE", "MX", "CL", "AU"]
[dictionaries.member]
values = ["aurora_editor_ke", "aurora_viewer"]
[dictionaries.id]
values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]

[parameters]
"path.slug" = { dictionary = "brand", probability = 0.7 }
"path.code" = { dictionary = "market", probability = 0.7 }
"path.username" = { dictionary = "member", probability = 0.7 }
"path.id" = { dictionary = "id", probability = 0.7 }
"query.brand" = { dictionary = "brand", probability = 0.3 }
"query.market" = { dictionary = "market", probability = 0.3 }
"body.brand" = { dictionary = "brand", probability = 0.7 }
"body.market" = { dictionary = "market", probability = 0.7 }
"body.depot" = { dictionary = "id", probability = 0.7 }
"body.part" = { dictionary = "id", probability = 0.7 }
TOML

failed=()
contract_run() { # name (of the JUnit report), then schemathesis run options
  local name=$1
  shift
  step "schemathesis: $name (seed $seed)"
  "$bin/schemathesis" --config-file "$tmp/schemathesis.toml" --no-color run "$tmp/schema.yml" \
    --url "$base" --checks "$checks" --phases "$phases" --max-examples "$max_examples" \
    --workers "$workers" --seed "$seed" --request-timeout 30 --generation-database none \
    --suppress-health-check all --report junit --report-junit-path "$tmp/$name.xml" "$@" ||
    failed+=("$name")
}

contract_run admin -H "Authorization: Token $admin_token"
contract_run official -H "Authorization: Token $official_token" \
  --include-name-regex '^(PUT|PATCH) /api/v1/markets/'
contract_run public --include-name-regex '^[A-Z]+ /api/v1/public/|^GET /api/v1/markets/'

# 5xx answers of the API. (schemathesis also probes a path outside it, which Django answers
# with an HTML page that needs collectstatic, not done here.)
server_errors=$(grep -c '^5[0-9][0-9] [0-9]*ms [A-Z]* /api/' "$tmp/access.log" || true)
step "Summary"
echo "requests: $(grep -c '^[1-5][0-9][0-9] ' "$tmp/access.log"), by status:" \
  "$(grep -o '^[1-5][0-9][0-9] ' "$tmp/access.log" | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')"
echo "5xx answers of the API: $server_errors; time: $((SECONDS - started)) s"
if [ ${#failed[@]} -gt 0 ] || [ "$server_errors" != 0 ]; then
  echo "API contract: FAILED${failed[*]:+ (schemathesis: ${failed[*]})}" >&2
  grep '^5[0-9][0-9] [0-9]*ms [A-Z]* /api/' "$tmp/access.log" | head -n 20 >&2 || true
  exit 1
fi
keep_tmp=0
echo "API contract: passed"
