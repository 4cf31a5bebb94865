"""Reference Japanese phonemes: misaki 0.9.4's default ja front end (cutlet path, fugashi + unidic-lite).

usage: $EVAL_HOME/venv/bin/python scripts/ja_reference.py SENTENCES [--tsv]
Prints one line of phonemes per non-empty line of SENTENCES (with --tsv: sentence<TAB>phonemes).
The judge's venv (/work/shared/eval/setup.sh) has misaki[ja] and unidic-lite; it runs offline.
"""
import sys

from misaki import ja


def main(path, tsv):
    g2p = ja.JAG2P()
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        ps = g2p(line)[0]
        print(f"{line}\t{ps}" if tsv else ps)


if __name__ == "__main__":
    main(sys.argv[1], "--tsv" in sys.argv)
