#!/bin/sh
# Run benchmark/sklearn_check.py; skip (exit 0) when no Python 3 is installed.
cd "$(dirname "$0")/.." || exit 1
if command -v python3 >/dev/null 2>&1; then
  exec python3 benchmark/sklearn_check.py "$@"
fi
echo "sklearn_check: skipped: python3 is not installed"
exit 0
