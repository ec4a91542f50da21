#!/usr/bin/env bash
# Every test and quality gate. `make test` runs them all; `make <stage>` runs one:
#   lint sanity units emulator-test system-test molecule app-test build-check
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$PWD
export PATH="$root/.venv/bin:$PATH" PYTHONPATH="$root/emulator" ANSIBLE_CONFIG="$root/ansible.cfg"
export ANSIBLE_PYTHON_INTERPRETER="$root/.venv/bin/python" ANSIBLE_NOCOLOR=1 ANSIBLE_DEPRECATION_WARNINGS=false NO_COLOR=1 PY_COLORS=0
# pytest and molecule start emulators of their own on free ports (MOLECULE_EMULATOR_PORT picks one),
# apart from the one `make deploy` may have running (EMULATOR_PORT).

ALL_STAGES=(lint sanity units emulator-test system-test molecule app-test build-check)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${ALL_STAGES[@]}")

say() { printf '\n==> %s\n' "$*"; }

stage_lint() {
  yamllint --strict . && ruff check . && ansible-lint --offline
}

stage_sanity() {
  scripts/ansible-test.sh sanity --venv
}

stage_units() {
  local tree
  tree=$(scripts/ansible-test.sh prepare) || return 1
  (cd "$tree" && PYTHONPATH="$tree" python -m pytest -q -p no:cacheprovider ansible_collections/tracetrack/aws/tests/unit)
}

stage_emulator-test() {
  python -m pytest -q tests/emulator
}

stage_system-test() {
  # One worker per test file, each with an emulator of its own; the modules' waits leave the cores idle.
  python -m pytest -q -n 3 --dist loadfile tests/system
}

stage_molecule() {
  local rc=0 port
  port=${MOLECULE_EMULATOR_PORT:-$(python -c 'from tracetrack_emulator.control import free_loopback_port as p; print(p())')}
  python -m tracetrack_emulator start --port "$port" || return 1
  for config in extensions/molecule/*/molecule.yml; do
    scenario=$(basename "$(dirname "$config")")
    say "molecule scenario $scenario"
    # Forget molecule's record of earlier runs (it would skip prepare against a fresh emulator).
    molecule reset -s "$scenario" >/dev/null 2>&1 || true
    EMULATOR_PORT=$port molecule test -s "$scenario" || rc=$?
  done
  python -m tracetrack_emulator stop --port "$port"
  return $rc
}

stage_app-test() {
  if [ ! -d app/tests ]; then echo "no application tests"; return 1; fi
  (cd app && python -m pytest -q -p no:cacheprovider tests)
}

stage_build-check() {
  # The built collection must install offline into an empty path and document its modules.
  local work; work=$(mktemp -d)
  ansible-galaxy collection build --force --output-path "$work" . >/dev/null &&
  # --force: the working tree is already linked into the configured collections path.
  ansible-galaxy collection install --offline --force -p "$work/collections" "$work"/tracetrack-aws-*.tar.gz >/dev/null &&
  ANSIBLE_COLLECTIONS_PATH="$work/collections" ansible-doc -l tracetrack.aws > "$work/modules.txt" &&
  cat "$work/modules.txt" &&
  for path in plugins/modules/*.py; do
    module=$(basename "$path" .py)
    grep -q "^tracetrack.aws.$module " "$work/modules.txt" || { echo "missing from the built collection: $module"; return 1; }
  done
  local rc=$?
  rm -rf "$work"
  return $rc
}

logs="$root/.local/test-logs"
mkdir -p "$logs"
passed=(); failed=(); timings=()
for stage in "${stages[@]}"; do
  if ! declare -F "stage_$stage" >/dev/null; then echo "unknown stage: $stage (have: ${ALL_STAGES[*]})"; exit 2; fi
  say "$stage"
  start=$SECONDS
  # Each stage's output is also kept in .local/test-logs/<stage>.log; the summary repeats what failed in it.
  if "stage_$stage" 2>&1 | tee "$logs/$stage.log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then passed+=("$stage"); else failed+=("$stage"); fi
  took=$((SECONDS - start))
  echo "--- $stage: ${took}s"
  timings+=("$stage ${took}s")
done

say "summary"
echo "took: ${timings[*]/%/,} total $((SECONDS))s" | sed 's/, total/ total/'
[ ${#passed[@]} -gt 0 ] && echo "passed: ${passed[*]}"
[ ${#failed[@]} -gt 0 ] && echo "FAILED: ${failed[*]}"
for stage in "${failed[@]}"; do
  # What failed in each failed stage, the first 15: pytest's short summary lines (the failed tests), or where a
  # stage has none (lint, sanity, molecule), its error and ansible failure lines.
  { grep -E '^(FAILED|ERROR) ' "$logs/$stage.log" || grep -E '^ERROR|CRITICAL|^fatal: \[|^failed: \[' "$logs/$stage.log"; } |
    cut -c1-300 | head -15 | sed "s/^/  $stage: /"
done
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
