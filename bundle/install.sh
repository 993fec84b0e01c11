#!/bin/sh
# Installs this Xueji bundle (make bundle) on a machine with no network: .venv from the wheels in wheels/,
# each checked against its sha256 (wheels/requirements.txt), with pip told to use no index and no
# configuration file. The front-end assets (node_modules/), the translations and the fonts are in the bundle.
# Then: `make demo` (or the commands of README.md, Production).
set -eu
cd "$(dirname "$0")"
want=$(ls wheels/ | sed -n 's/.*-\(cp3[0-9]*\)-.*/\1/p' | head -n 1)
python=${PYTHON:-}
if [ -z "$python" ]; then
    for p in python3 python3.12 python3.11; do
        if command -v "$p" > /dev/null 2>&1 &&
            [ "$("$p" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')" = "${want:-cp311}" ]; then
            python=$(command -v "$p")
            break
        fi
    done
fi
if [ -z "$python" ]; then
    echo "This bundle's wheels are for ${want:-cp311}: install that Python (and its venv module) or set PYTHON=." >&2
    exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    .venv/bin/python -m pip install --quiet --no-index --find-links wheels --require-hashes --only-binary :all: \
    -r wheels/requirements.txt
touch .venv/.installed node_modules/.installed
echo "Installed into $(pwd)/.venv. Next: make demo (http://127.0.0.1:8000/), or README.md, Production."
