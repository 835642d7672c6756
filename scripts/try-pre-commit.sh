#!/usr/bin/env bash
# Proves the pre-commit hook from a clean checkout: it installs (without torch),
# fails on the seed's table with its findings, and passes on a clean spec.
# Needs network access to PyPI for pre-commit's own environment.
# Run from the repo root: bash scripts/try-pre-commit.sh
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet pre-commit >/dev/null
echo "== failing spec (expect exit 1 with the seed's findings)"
python3 -m pre_commit try-repo . unetcalc --files specs/seed-encoder.yaml
failing=$?
echo "== clean spec (expect exit 0)"
python3 -m pre_commit try-repo . unetcalc --files specs/unet-2015.yaml
passing=$?
echo "== results: failing spec exit $failing, clean spec exit $passing"
[ "$failing" -eq 1 ] && [ "$passing" -eq 0 ]
