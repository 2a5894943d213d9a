#!/usr/bin/env bash
# Reruns every experiment of the default codebook from scratch: the shipped model, grouped CV,
# the learning curve, leave-one-outlet-out and the feature comparison; then the summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
F=${FRAMING:-.venv/bin/framing}
$F train -e default
$F evaluate -e default --learning-curve
$F evaluate -e default --by outlet
for name in word12 word1 word12-char word12-mindf2-C1 word12-raw-tf-C16 lexicon; do
  $F evaluate -e "$name"
done
$F experiments --markdown
