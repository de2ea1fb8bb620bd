#!/usr/bin/env bash
# API contract check (DESIGN.md §6): the OpenAPI schema generates without warnings, and
# schemathesis finds no 5xx answer and no answer that contradicts the schema.
#
#   1. a fresh SQLite database in a temporary folder: migrate, load_geodata (the six demo
#      countries), seed_demo (brands, data and demo users)
#   2. `manage.py spectacular --validate --fail-on-warn` writes the schema that is tested
#   3. gunicorn serves the app on 127.0.0.1 (a free port) with eager Celery and no throttling
#   4. schemathesis, twice: every operation as a brand admin (token), then the public
#      operations anonymously
#
# Environment: PYTHON (default .venv/bin/python), CONTRACT_MAX_EXAMPLES (test cases per
# operation and phase, default 20), CONTRACT_WORKERS (default 2), CONTRACT_SEED (a fixed
# seed reproduces a run), CONTRACT_PHASES (default examples,coverage,fuzzing).
# Exit status: 0 when both runs pass, non-zero on any failure. The temporary folder, with the
# server's log and schemathesis' JUnit reports, is kept when something fails.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-.venv/bin/python}
bin=$(dirname "$python")
schemathesis=${SCHEMATHESIS:-$bin/schemathesis}
max_examples=${CONTRACT_MAX_EXAMPLES:-20}
workers=${CONTRACT_WORKERS:-2}
phases=${CONTRACT_PHASES:-examples,coverage,fuzzing}
seed=${CONTRACT_SEED:-$RANDOM}
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

admin_user=aurora_admin
admin_password=demo-aurora_admin-2026 # seed_demo's development-only password (registry/demo.py)

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

# DEBUG off, as deployed: Django's debug pages are HTML, the API's own 404/500 answers are JSON.
export DEBUG=false
export SECRET_KEY=contract-test-only-not-a-secret
export ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="sqlite:///$tmp/contract.db"
export PUBLIC_FINDER_RATE=100000/min
export MEDIA_ROOT="$tmp/media"
export LOG_LEVEL=WARNING
unset REDIS_URL # eager Celery: a coverage report is evaluated inside the request

started=$SECONDS
step() { printf '\n--- %s (%ds)\n' "$*" "$((SECONDS - started))"; }

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
# No request-line or header size limit: a 414/431 from gunicorn is the transport's, not the API's.
"$bin/gunicorn" config.wsgi:application --bind "127.0.0.1:$port" --workers 2 --threads 2 --timeout 60 \
  --limit-request-line 0 --limit-request-field_size 0 \
  --access-logfile "$tmp/access.log" --access-logformat '%(s)s %(M)sms %(m)s %(U)s' \
  --error-logfile "$tmp/server.log" 2>>"$tmp/server.log" &
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

token=$(curl -fsS -X POST "$base/api/v1/auth/token/" -H "Content-Type: application/json" \
  -d "{\"username\": \"$admin_user\", \"password\": \"$admin_password\"}" |
  "$python" -c 'import json, sys; print(json.load(sys.stdin)["token"])')

# Values the seeded database knows (registry/demo.py), mixed into part of the generated
# requests so that they get past "no such brand/market/object" to the success answers.
cat >"$tmp/schemathesis.toml" <<'TOML'
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

common=(
  "$tmp/schema.yml" --url "$base"
  --checks "$checks"
  --phases "$phases"
  --max-examples "$max_examples"
  --workers "$workers"
  --seed "$seed"
  --request-timeout 30
  --generation-database none
  --suppress-health-check all
  --no-color
)

status=0
step "schemathesis: every operation as brand admin $admin_user (seed $seed)"
"$schemathesis" --config-file "$tmp/schemathesis.toml" run "${common[@]}" --header "Authorization: Token $token" \
  --report junit --report-junit-path "$tmp/admin.xml" || status=1

# Public operations: the /public/ ones, and reading markets and their policies.
step "schemathesis: public operations, anonymously (seed $seed)"
"$schemathesis" --config-file "$tmp/schemathesis.toml" run "${common[@]}" \
  --include-name-regex '^[A-Z]+ /api/v1/public/|^GET /api/v1/markets/' \
  --report junit --report-junit-path "$tmp/public.xml" || status=1

# 5xx answers of the API (schemathesis also probes paths outside it, which Django answers with
# its HTML pages; those need collectstatic, which this run does not do).
errors=$(grep -c '^5[0-9][0-9] [0-9]*ms [A-Z]* /api/' "$tmp/access.log" || true)
requests=$(wc -l <"$tmp/access.log")
step "Summary"
echo "requests served: $requests, 5xx answers: $errors, time: $((SECONDS - started)) s"
if [ "$status" != 0 ] || [ "$errors" != 0 ]; then
  echo "API contract: FAILED (server log: $tmp/server.log)" >&2
  grep '^5[0-9][0-9] [0-9]*ms [A-Z]* /api/' "$tmp/access.log" | head -n 20 >&2 || true
  exit 1
fi
keep_tmp=0
echo "API contract: passed"
