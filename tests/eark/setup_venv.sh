#!/usr/bin/env bash
# Create .ci/eark-venv with eark-validator (the external E-ARK judge) in its own virtual
# environment: it pins lxml==5.1.0, which must not meet the project's lxml. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$root/.ci/eark-venv"
version="1.1.3"
py="${PYTHON:-python3}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "
import importlib.metadata as m, sys
sys.exit(0 if m.version('eark-validator') == '$version' else 1)" 2>/dev/null; then
    exit 0
fi
rm -rf "$venv"
mkdir -p "$root/.ci"
"$py" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "eark-validator==$version"
"$venv/bin/python" -c "import importlib.metadata as m; print('eark-validator', m.version('eark-validator'), 'in', '$venv')"
