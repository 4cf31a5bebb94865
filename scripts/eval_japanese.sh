#!/usr/bin/env bash
# Measures the Japanese front end (issue 21) on fixtures/ja/sentences.txt (69 sentences of our own):
# phoneme agreement with misaki 0.9.4's ja.JAG2P() on all of them, and Whisper base's character error
# rate on the first N (default 14) spoken by jf_alpha, the engine from text against misaki's phonemes
# spoken by the same engine and voice.
#
# usage: scripts/eval_japanese.sh [N]
# needs: the judge set up (/work/shared/eval/setup.sh: misaki[ja] + unidic-lite, Whisper base), models in
# ./models (cargo xtask fetch-model, with ja/), the kokoro CLI and the phonemize_ja example built
# (KOKORO, PHONEMIZE_JA: default target/release/{kokoro,examples/phonemize_ja}).
set -euo pipefail
source "$(dirname "$0")/lib-eval.sh"
PHONEMIZE_JA=${PHONEMIZE_JA:-target/release/examples/phonemize_ja}
OUT=${OUT:-target/eval-japanese}
N=${1:-14}
FILE=fixtures/ja/sentences.txt
mkdir -p "$OUT"
$PY scripts/ja_reference.py "$FILE" > "$OUT/ref.txt"
$PHONEMIZE_JA models/ja < "$FILE" > "$OUT/ours.txt" 2> "$OUT/load.txt"
printf 'ja agreement  '; python3 "$EVAL/phoneme_agreement.py" "$OUT/ref.txt" "$OUT/ours.txt"
printf 'ja front end  '; cat "$OUT/load.txt"
head -n "$N" "$FILE" > "$OUT/cer.txt"
rm -rf "$OUT/text-wav" "$OUT/ref-wav"; mkdir -p "$OUT/text-wav" "$OUT/ref-wav"
n=0
while IFS= read -r line; do
  $KOKORO say "$line" --voice jf_alpha --threads 2 -o "$(numbered_wav "$OUT/text-wav" $n)" >/dev/null
  n=$((n + 1))
done < "$OUT/cer.txt"
n=0
while IFS= read -r ps && [ "$n" -lt "$N" ]; do
  $KOKORO say --phonemes "$ps" --voice jf_alpha --threads 2 -o "$(numbered_wav "$OUT/ref-wav" $n)" >/dev/null
  n=$((n + 1))
done < "$OUT/ref.txt"
printf 'ja engine from text   '; $PY "$EVAL/lang_cer.py" ja "$OUT/cer.txt" "$OUT/text-wav" | tail -1
printf 'ja misaki phonemes    '; $PY "$EVAL/lang_cer.py" ja "$OUT/cer.txt" "$OUT/ref-wav" | tail -1
same=0
for f in "$OUT"/text-wav/*.wav; do cmp -s "$f" "$OUT/ref-wav/$(basename "$f")" && same=$((same + 1)); done
echo "ja identical wav files (text vs misaki phonemes): $same of $N"
