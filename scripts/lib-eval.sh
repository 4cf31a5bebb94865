# Sourced by the scripts/eval_*.sh measurements (`source "$(dirname "$0")/lib-eval.sh"`): runs them from
# the repository root and says where the judge and the CLI are.
#   EVAL      the judge's scripts and data (EVAL_DIR, default /work/shared/eval; set up by its setup.sh)
#   EVAL_HOME its state, PY the Python of its venv (EVAL_HOME, default ~/.cache/kokoro-eval)
#   KOKORO    the kokoro CLI (KOKORO, default target/release/kokoro)
cd "$(dirname "${BASH_SOURCE[0]}")/.."
EVAL=${EVAL_DIR:-/work/shared/eval}
EVAL_HOME=${EVAL_HOME:-$HOME/.cache/kokoro-eval}
PY=$EVAL_HOME/venv/bin/python
KOKORO=${KOKORO:-target/release/kokoro}

# numbered_wav DIR N: the N-th sentence's WAV file in DIR (DIR/007.wav).
numbered_wav() { printf '%s/%03d.wav' "$1" "$2"; }
