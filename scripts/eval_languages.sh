#!/usr/bin/env bash
# Measures the non-English front ends (issue 21) on fixtures/languages/LANG.txt: phoneme agreement with misaki
# 0.9.4's own front ends, and Whisper base's character error rate of the speech, ours against the reference
# phonemes on the same sentences and voices (and, for comparison, the text read by the English front end).
#
# usage: scripts/eval_languages.sh [LANG...]   (default: es fr-fr it pt-br hi zh)
# needs: the judge set up (/work/shared/eval/setup.sh), espeak-ng, models in ./models, the kokoro CLI and the
# phonemize example built (KOKORO, PHONEMIZE: default target/release/{kokoro,examples/phonemize}).
set -euo pipefail
source "$(dirname "$0")/lib-eval.sh"
PHONEMIZE=${PHONEMIZE:-target/release/examples/phonemize}
OUT=${OUT:-target/eval-languages}
ENGLISH=${ENGLISH:-0} # 1: also the text read by the English front end (the engine before issue 21)
LANGS=${*:-es fr-fr it pt-br hi zh}
voice_of() { case $1 in es) echo ef_dora;; fr-fr) echo ff_siwis;; it) echo if_sara;; pt-br) echo pf_dora;; hi) echo hf_alpha;; zh) echo zf_xiaobei;; esac; }
whisper_of() { case $1 in fr-fr) echo fr;; pt-br) echo pt;; *) echo "$1";; esac; }
mkdir -p "$OUT"
for lang in $LANGS; do
  file=fixtures/languages/${lang%-*}.txt
  voice=$(voice_of "$lang")
  $PY scripts/lang_reference_phonemes.py "$lang" "$file" > "$OUT/$lang-ref.txt" 2>/dev/null
  $PHONEMIZE --lang "$lang" --lines "$file" > "$OUT/$lang-ours.txt" 2>/dev/null
  printf '%-6s agreement  ' "$lang"; python3 "$EVAL/phoneme_agreement.py" "$OUT/$lang-ref.txt" "$OUT/$lang-ours.txt"
  # The reference is synthesized only where its phonemes differ from ours once restricted to the model's
  # vocabulary (the same ids give the same audio); elsewhere our file is copied.
  same=$(python3 - "$OUT/$lang-ours.txt" "$OUT/$lang-ref.txt" <<'PY'
import json, sys
vocab = set(json.load(open("crates/kokoro-tokenize/data/kokoro-v1.0-config.json"))["vocab"])
norm = lambda l: " ".join(w for w in ("".join(c for c in w if c in vocab) for w in l.split()) if w)
ours, ref = ([norm(l) for l in open(p, encoding="utf-8")] for p in sys.argv[1:])
print(" ".join(str(i) for i, (a, b) in enumerate(zip(ours, ref)) if a == b))
PY
)
  total=$(grep -c . "$OUT/$lang-ours.txt")
  for mode in ours ref; do
    if [ "$mode" = ref ] && [ "$(wc -w <<< "$same")" = "$total" ]; then
      # Every line gives the model the same ids: the same audio, the same transcript.
      printf '%-6s %-5s %s  the same ids as ours on all %s sentences: the same CER\n' "$lang" ref "$voice" "$total"
      continue
    fi
    dir=$OUT/$lang-$mode-wav; mkdir -p "$dir"; n=0
    while IFS= read -r ps; do
      wav=$(numbered_wav "$dir" $n)
      if [ "$mode" = ref ] && [[ " $same " == *" $n "* ]]; then
        cp "$(numbered_wav "$OUT/$lang-ours-wav" $n)" "$wav"
      else
        $KOKORO say --phonemes "$ps" --voice "$voice" --threads 2 -o "$wav" >/dev/null 2>&1 || true
      fi
      n=$((n + 1))
    done < "$OUT/$lang-$mode.txt"
    printf '%-6s %-5s %s  ' "$lang" "$mode" "$voice"; $PY "$EVAL/lang_cer.py" "$(whisper_of "$lang")" "$file" "$dir" | tail -1
  done
  if [ "$ENGLISH" = 1 ]; then
    dir=$OUT/$lang-english-wav; mkdir -p "$dir"; n=0
    while IFS= read -r line; do
      [ -z "${line// }" ] && continue
      $KOKORO say "$line" --voice "$voice" --lang en-us --threads 2 -o "$(numbered_wav "$dir" $n)" >/dev/null 2>&1 || true
      n=$((n + 1))
    done < "$file"
    printf '%-6s %-5s %s  ' "$lang" english "$voice"; $PY "$EVAL/lang_cer.py" "$(whisper_of "$lang")" "$file" "$dir" | tail -1
  fi
done
