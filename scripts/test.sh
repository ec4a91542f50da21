#!/usr/bin/env bash
# Every test and quality gate. `make test` runs the stages that gate every change, within its time budget:
#   lint sanity units emulator-test system-test app-test build-check
# `make test-extended` runs the stages that converge other shapes than the local stack: `extended` (several
# environments and the seed examples side by side) and `molecule` (each role on its own) beside it. CI runs both.
# `make <stage>` runs one (tests/README.md says what each stage guards).
# PROFILE=1: every ansible-playbook run prints its slowest tasks (ansible.posix.profile_tasks).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$PWD
export PATH="$root/.venv/bin:$PATH" PYTHONPATH="$root/emulator" ANSIBLE_CONFIG="$root/ansible.cfg"
# Modules run with the venv's Python started warm (scripts/warm_python.py); its server stops when the stages end.
export TRACETRACK_VENV="$root/.venv" TRACETRACK_MODULE_PYTHON="$root/scripts/module-python"
export ANSIBLE_PYTHON_INTERPRETER="$TRACETRACK_MODULE_PYTHON" ANSIBLE_NOCOLOR=1 ANSIBLE_DEPRECATION_WARNINGS=false NO_COLOR=1 PY_COLORS=0
# pytest and molecule start emulators of their own on free ports (MOLECULE_EMULATOR_PORT picks one),
# apart from the one `make deploy` may have running (EMULATOR_PORT).

ALL_STAGES=(lint sanity units emulator-test system-test app-test build-check)
EXTENDED_STAGES=(extended molecule)
# The longest stage asked for (system-test: its shared local stack is one sequence of playbook runs; extended: one
# run converging several environments) starts first and runs in the foreground; every other stage asked for runs
# meanwhile in a second lane, one after the other, so that the two cores stay busy (the AWS modules also sleep
# between calls). The second lane's output is shown, stage by stage, when the first ends; each stage's wall time is
# its own.
LONG_STAGES=(system-test extended)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${ALL_STAGES[@]}")
LONG_STAGE=
for long in "${LONG_STAGES[@]}"; do [[ " ${stages[*]} " == *" $long "* ]] && { LONG_STAGE=$long; break; }; done

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
  # One worker per test file, each with an emulator of its own; the shared local stack (test_stack.py) is the
  # longest file and starts first. The ten slowest tests are listed at the end.
  python -m pytest -q -n 2 --dist loadfile --durations=10 tests/system
}

stage_extended() {
  # The project's dev, staging and production inventories side by side, and the seed examples side by side.
  python -m pytest -q -n 2 --dist loadfile --durations=10 tests/extended
}

# The scenarios in tier order (service, which adds a second service, after monitoring and cdn, which watch and front
# the first), on one emulator started here: each finds what the ones before it made (its prepare
# builds only what is missing), so the network is built once (extensions/molecule/config.yml).
MOLECULE_SCENARIOS=(preflight network secrets database cache registry monitoring cdn service tracking_app)

stage_molecule() {
  local rc=0 port scenario
  port=${MOLECULE_EMULATOR_PORT:-$(python -c 'from tracetrack_emulator.control import free_loopback_port as p; print(p())')}
  # The tracking_app scenario releases without a container engine: the emulator runs the web service's task from the
  # source, on the port the local inventory expects (EMULATOR_PORT + 3000), and its test listener on the next one (the
  # service scenario leaves the service with canary deployments: the release smoke-tests the new revision there).
  TRACETRACK_EMULATOR_ECS_TASKS=gunicorn TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES="tracetrack-local-web=127.0.0.1:$((port + 3000))" \
    TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES="tracetrack-local-web=127.0.0.1:$((port + 3001))" \
    python -m tracetrack_emulator start --port "$port" || return 1
  for scenario in "${MOLECULE_SCENARIOS[@]}"; do
    say "molecule scenario $scenario"
    local started=$SECONDS
    EMULATOR_PORT=$port molecule test -s "$scenario" || rc=$?
    echo "--- molecule $scenario: $((SECONDS - started))s"
  done
  local found=(extensions/molecule/*/molecule.yml)
  [ ${#found[@]} -eq ${#MOLECULE_SCENARIOS[@]} ] ||
    { echo "extensions/molecule has scenarios that MOLECULE_SCENARIOS does not list"; rc=1; }
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

record() {  # stage, exit status, seconds
  if [ "$2" -eq 0 ]; then passed+=("$1"); else failed+=("$1"); fi
  echo "--- $1: ${3}s"
  timings+=("$1 ${3}s")
}

run_stage() {  # stage: runs it with its output on the terminal and in its log
  say "$1"
  local start=$SECONDS
  # Each stage's output is also kept in .local/test-logs/<stage>.log; the summary repeats what failed in it.
  "stage_$1" 2>&1 | tee "$logs/$1.log"
  record "$1" "${PIPESTATUS[0]}" $((SECONDS - start))
}

for stage in "${stages[@]}"; do
  if ! declare -F "stage_$stage" >/dev/null; then echo "unknown stage: $stage (have: ${ALL_STAGES[*]} ${EXTENDED_STAGES[*]})"; exit 2; fi
done

lane=()
for stage in "${stages[@]}"; do [ "$stage" = "$LONG_STAGE" ] || lane+=("$stage"); done
if [ ${#lane[@]} -eq ${#stages[@]} ] || [ ${#lane[@]} -eq 0 ]; then
  for stage in "${stages[@]}"; do run_stage "$stage"; done
else
  say "${lane[*]} (a second lane beside $LONG_STAGE, at a lower priority; their output follows when it ends)"
  (
    # The long stage is the run's critical path: the second lane takes the cycles it leaves (and ends before it).
    renice -n 10 -p "$BASHPID" >/dev/null
    for stage in "${lane[@]}"; do
      start=$SECONDS
      "stage_$stage" >"$logs/$stage.log" 2>&1
      echo "$? $((SECONDS - start))" >"$logs/$stage.result"
    done
  ) &
  lane_pid=$!
  run_stage "$LONG_STAGE"
  wait "$lane_pid"
  for stage in "${lane[@]}"; do
    say "$stage (ran beside $LONG_STAGE)"
    cat "$logs/$stage.log"
    read -r status seconds <"$logs/$stage.result"
    record "$stage" "$status" "$seconds"
  done
fi

"$TRACETRACK_MODULE_PYTHON" --stop  # the warm module interpreter the stages started

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
if [ -f "$logs/system-test.log" ] && [[ " ${stages[*]} " == *" system-test "* ]]; then
  echo "slowest system tests:"
  sed -n '/slowest 10 durations/,/^$/p' "$logs/system-test.log" | grep -E '^[0-9.]+s ' | sed 's/^/  /'
fi
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
