"""Reference phonemes of other languages: misaki 0.9.4's own front ends, as hexgrad's kokoro pipeline uses them
for Kokoro-82M v1.0 (EspeakG2P for es, fr-fr, it, pt-br, hi; ZHG2P() without a version for zh).

usage: $EVAL_HOME/venv/bin/python scripts/lang_reference_phonemes.py LANG SENTENCES > reference.txt
LANG: es fr-fr it pt-br hi zh (one line in, one line out). The judge's venv (/work/shared/eval/setup.sh) has them.
"""
import sys

lang, path = sys.argv[1], sys.argv[2]
if lang == "zh":
    from misaki import zh
    g2p = zh.ZHG2P()
else:
    from misaki import espeak
    g2p = espeak.EspeakG2P(language=lang)
for line in open(path, encoding="utf-8"):
    if line.strip():
        print(g2p(line.strip())[0])
