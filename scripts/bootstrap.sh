#!/usr/bin/env bash
# Create or refresh the controller virtualenv (.venv) on Python >= 3.12 and install the
# pinned requirements. Re-running it is cheap: it reinstalls only when a requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
MIN_MINOR=12
REQUIREMENTS=(requirements.txt requirements-test.txt app/requirements.txt app/requirements-dev.txt)

say() { printf '==> %s\n' "$*"; }

python_ok() {
  "$1" -c "import sys; sys.exit(0 if sys.version_info >= (3, ${MIN_MINOR}) else 1)" 2>/dev/null
}

find_python() {
  local candidate
  # An explicit choice wins; then the usual names on PATH; then pyenv's and the system's installs.
  local installed
  installed=$(printf '%s\n' /root/.pyenv/versions/3.1[2-9]*/bin/python "${HOME:-/root}"/.pyenv/versions/3.1[2-9]*/bin/python \
              /usr/bin/python3.1[2-9] /usr/local/bin/python3.1[2-9] | sort -Vru)
  for candidate in "${PYTHON:-}" python3.13 python3.12 $installed; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$(command -v "$candidate")"; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

if [ -x "$VENV/bin/python" ] && python_ok "$VENV/bin/python"; then
  :
else
  if ! PY=$(find_python); then
    echo "ERROR: Python >= 3.${MIN_MINOR} is required for the controller (ansible-core 2.21) and none was found." >&2
    echo "       Install one (for example with pyenv or your distribution), or point PYTHON=/path/to/python3.12 at it." >&2
    exit 1
  fi
  say "creating $VENV with $PY ($("$PY" --version 2>&1))"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

present=()
for f in "${REQUIREMENTS[@]}"; do [ -f "$f" ] && present+=("$f"); done
stamp="$VENV/.requirements.sha256"
want=$(cat "${present[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  args=()
  for f in "${present[@]}"; do args+=(-r "$f"); done
  say "installing pinned Python packages into $VENV (${REQUIREMENTS[*]})"
  mkdir -p .local
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check "${args[@]}" > .local/pip-install.log 2>&1; then
    tail -40 .local/pip-install.log >&2
    echo "ERROR: pip install failed; full log in .local/pip-install.log" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
else
  say "$VENV is up to date ($("$VENV/bin/python" --version))"
fi
