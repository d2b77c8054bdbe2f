#!/usr/bin/env bash
# Build llama-cpp-python from its sdist for this CPU (make install calls this once; the stamp file records it).
# pip's own output is hundreds of compiler lines or, with --quiet, nothing for 8-25 minutes: it goes to a log
# instead, and every 30 seconds one line says how far the build is (cmake's percentage) and how long it has run.
# Usage: scripts/build-llama.sh PYTHON REQUIREMENT LOG   (CMAKE_ARGS in the environment)
set -uo pipefail
python=$1 requirement=$2 log=$3
start=$(date +%s)
elapsed() { local s=$(($(date +%s) - start)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
echo "building $requirement for this CPU: about 8-25 minutes on 2 cores (full log: $log)"
"$python" -m pip install --verbose --force-reinstall --no-deps --no-cache-dir "$requirement" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null && sleep 1; done
    kill -0 "$pid" 2>/dev/null || break
    # the build's own progress: ninja's "[45/210]" or make's "[ 21%]", the last one written
    step=$(grep -oE '\[ *[0-9]+(/[0-9]+|%)\]' "$log" | tail -n 1 | tr -d '[] ')
    case $step in
        */*) done="step ${step%/*} of ${step#*/} compiled" ;;
        *%) done="$step compiled" ;;
        *) done="preparing (unpacking the source, configuring with cmake)" ;;
    esac
    echo "  ... $(elapsed): $done"
done
if ! wait "$pid"; then
    echo "the llama-cpp-python build failed after $(elapsed); the end of its log ($log):" >&2
    tail -n 40 "$log" >&2
    exit 1
fi
echo "built llama-cpp-python in $(elapsed)"
