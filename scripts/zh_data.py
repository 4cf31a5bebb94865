"""Builds crates/kokoro-tokenize/data/zh/: the Mandarin front end's dictionaries, from PyPI packages (MIT).

- pinyin.txt.gz: pypinyin's readings (the ones misaki's Mandarin front end gets from lazy_pinyin, TONE3 with 5 for
  the neutral tone). Lines "字 zhong1" give every character's default reading; lines "词语 ci2 yu3" every phrase of
  pypinyin's phrase dictionary (a phrase whose readings are the characters' defaults is written "词语 =").
- jieba-dict.txt.gz: jieba's word list with frequencies ("word freq" lines, the tags left out), which jieba-rs
  segments with as Python's jieba does.

usage: $EVAL_HOME/venv/bin/python scripts/zh_data.py   (the judge's venv has pypinyin and jieba)
"""
import gzip, os, sys
import jieba
from pypinyin import pinyin_dict, phrases_dict
from pypinyin.contrib.tone_convert import to_tone3

out = os.path.join(os.path.dirname(__file__), "..", "crates", "kokoro-tokenize", "data", "zh")
os.makedirs(out, exist_ok=True)


def tone3(py):
    return to_tone3(py, neutral_tone_with_five=True)


chars = {}
for code, readings in pinyin_dict.pinyin_dict.items():
    chars[chr(code)] = tone3(readings.split(",")[0])
lines = [f"{c} {chars[c]}" for c in sorted(chars)]
same = 0
for phrase in sorted(phrases_dict.phrases_dict):
    readings = [tone3(r[0]) for r in phrases_dict.phrases_dict[phrase]]
    if readings == [chars.get(c) for c in phrase]:
        lines.append(f"{phrase} =")
        same += 1
    else:
        lines.append(f"{phrase} {' '.join(readings)}")
with gzip.GzipFile(os.path.join(out, "pinyin.txt.gz"), "wb", mtime=0, compresslevel=9) as f:
    f.write(("\n".join(lines) + "\n").encode())
print(f"{len(chars)} characters, {len(phrases_dict.phrases_dict)} phrases ({same} with default readings)", file=sys.stderr)

dict_path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
words = []
for line in open(dict_path, encoding="utf-8"):
    parts = line.split()
    if len(parts) >= 2:
        words.append(f"{parts[0]} {parts[1]}")
with gzip.GzipFile(os.path.join(out, "jieba-dict.txt.gz"), "wb", mtime=0, compresslevel=9) as f:
    f.write(("\n".join(words) + "\n").encode())
print(f"{len(words)} jieba words", file=sys.stderr)
