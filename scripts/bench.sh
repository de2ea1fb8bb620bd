#!/usr/bin/env bash
# Run every benchmark in bench/ once. Arguments (e.g. --quick) go to the scripts that accept
# them, as told by the script's own text naming the option; the others run as they are.
# Any failing benchmark fails the run. Used by `make bench` and CI's smoke.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-.venv/bin/python}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"  # so bench/*.py can import the project

shopt -s nullglob
scripts=(bench/*.py)
if [ ${#scripts[@]} -eq 0 ]; then
  echo "No benchmarks in bench/."
  exit 0
fi

for script in "${scripts[@]}"; do
  [[ $(basename "$script") == _* ]] && continue  # helpers, not benchmarks
  args=()
  for arg in "$@"; do
    if grep -qe "${arg%%=*}" "$script"; then args+=("$arg"); fi
  done
  echo "--- $script ${args[*]:-}"
  "$python" "$script" "${args[@]}"
done
