#!/usr/bin/env bash
# Run ansible-test on a copy of the collection placed at .../ansible_collections/tracetrack/aws
# (ansible-test refuses symlinks), with amazon.aws and community.aws installed beside it.
#   scripts/ansible-test.sh sanity [args]    scripts/ansible-test.sh units [args]
#   scripts/ansible-test.sh prepare          (only build the tree; prints its root for PYTHONPATH)
# ANSIBLE_TEST_TREE picks another tree root, so that several runs can go on at once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tree=${ANSIBLE_TEST_TREE:-$root/.local/ansible-test}
dest=$tree/ansible_collections/tracetrack/aws
site=$(.venv/bin/python -c 'import ansible_collections, os; print(os.path.dirname(list(ansible_collections.__path__)[0]))')

mkdir -p "$dest"
# Only what is committed or about to be (ansible-test works from the collection's file list).
rsync -a --delete --exclude-from=<(printf '%s\n' .git .venv .local collections tests/output app '*.tar.gz' __pycache__ .pytest_cache .ruff_cache) "$root/" "$dest/"
for dep in amazon/aws community/aws; do
  if [ ! -d "$tree/ansible_collections/$dep" ]; then
    .venv/bin/ansible-galaxy collection install --offline --force --no-deps -p "$tree" "$site/ansible_collections/$dep" >/dev/null
  fi
done

# ansible-test bootstraps pip in its virtualenvs from a downloaded script; supply an offline one.
version=$(.venv/bin/python - <<'PY'
import re, ansible_test, pathlib
src = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1).replace(".", "_"))
PY
)
mkdir -p ~/.ansible/test/cache
cp tests/ansible-test/get_pip.py ~/.ansible/test/cache/"get_pip_${version}.py"

if [ "${1:-}" = prepare ]; then
  echo "$tree"
  exit 0
fi

cd "$dest"
# ansible-test lists the collection's files with git when it can; give it a repository of its own.
if [ ! -d .git ]; then git init -q . ; fi
git add -A >/dev/null 2>&1
python_version=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || "$root/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
exec "$root/.venv/bin/ansible-test" "$@" --python "$python_version"
