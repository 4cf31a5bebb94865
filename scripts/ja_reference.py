"""Reference Japanese phonemes: misaki 0.9.4's default ja front end (cutlet path, fugashi + unidic-lite).

usage: $EVAL_HOME/venv/bin/python scripts/ja_reference.py LINES [--tsv | --morphemes]
Prints one line of phonemes per non-empty line of LINES; with --tsv, line<TAB>phonemes
(fixtures/ja/golden.tsv); with --morphemes, line<TAB>surface|pron|unknown|char_type per morpheme as
fugashi gives them (fixtures/ja/morphemes.tsv). The judge's venv (/work/shared/eval/setup.sh) has
misaki[ja] and unidic-lite; it runs offline.
"""
import sys


def lines(path):
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.strip() and not line.startswith("#"):
            yield line


def main(path, mode):
    if mode == "--morphemes":
        import fugashi

        tagger = fugashi.Tagger()
        for line in lines(path):
            cells = [f"{n.surface}|{n.feature.pron or '*'}|{int(n.is_unk)}|{n.char_type}" for n in tagger(line)]
            print(line + "\t" + " ".join(cells))
        return
    from misaki import ja

    g2p = ja.JAG2P()
    for line in lines(path):
        ps = g2p(line.strip())[0]
        print(f"{line.strip()}\t{ps}" if mode == "--tsv" else ps)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
