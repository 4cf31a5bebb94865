#!/usr/bin/env bash
# Measures pronunciation: phoneme agreement with misaki 0.9.4 and Whisper word error rate of the
# engine's speech, for our front end (with and without espeak-ng) and for the reference phonemes.
#
# usage: scripts/eval_pronunciation.sh [SENTENCES] [REFERENCE_PHONEMES] [OUT_DIR]
# needs: the judge set up (/work/shared/eval/setup.sh), models in ./models, a release CLI
# (cargo build --release -p kokoro-engine-cli); espeak-ng installed for the "espeak" rows.
set -euo pipefail
source "$(dirname "$0")/lib-eval.sh"
SENTENCES=${1:-$EVAL/dev-sentences.txt}
REFERENCE=${2:-$EVAL/dev-reference-phonemes.txt}
OUT=${3:-target/eval-pronunciation}
VOICE=${VOICE:-af_heart}
DIALECT=${DIALECT:-us} # gb with a British (b*) VOICE
KOKORO=target/release/kokoro # the one built just below, whatever KOKORO says
mkdir -p "$OUT"
cargo build -q --release -p kokoro-engine-cli
cargo build -q --release -p kokoro-tokenize --example phonemize
PHONEMIZE=target/release/examples/phonemize

echo "== phoneme agreement ($SENTENCES vs $REFERENCE)"
$PHONEMIZE --dialect "$DIALECT" --lines "$SENTENCES" > "$OUT/ours-espeak.txt" 2>/dev/null
$PHONEMIZE --dialect "$DIALECT" --no-espeak --lines "$SENTENCES" > "$OUT/ours-builtin.txt" 2>/dev/null
for f in ours-espeak ours-builtin; do
  printf '%-13s ' "$f"; python3 "$EVAL/phoneme_agreement.py" "$REFERENCE" "$OUT/$f.txt"
done

[ "${SKIP_WER:-0}" = 1 ] && exit 0
echo "== word error rate (Whisper base, $VOICE)"
synth() { # MODE DIR
  local mode=$1 dir=$2 n=0
  mkdir -p "$dir"
  while IFS= read -r line; do
    [ -z "${line// }" ] && continue
    local wav; wav=$(numbered_wav "$dir" "$n")
    case $mode in
      reference) $KOKORO say --phonemes "$(sed -n "$((n + 1))p" "$REFERENCE")" --voice "$VOICE" -o "$wav" >/dev/null ;;
      espeak) $KOKORO say "$line" --voice "$VOICE" -o "$wav" >/dev/null ;;
      builtin) KOKORO_NO_ESPEAK=1 $KOKORO say "$line" --voice "$VOICE" -o "$wav" >/dev/null ;;
    esac
    n=$((n + 1))
  done < "$SENTENCES"
}
for mode in reference espeak builtin; do
  synth "$mode" "$OUT/wav-$mode"
  printf '%-10s ' "$mode"
  "$PY" "$EVAL/intelligibility.py" "$SENTENCES" "$OUT/wav-$mode" --show | tee "$OUT/wer-$mode.txt" | grep -i "wer" | tail -1
done
