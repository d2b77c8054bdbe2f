#!/usr/bin/env bash
# Put `minutes` on the PATH, so that the README's commands work as written in any new shell and any folder:
# a symbolic link to this checkout's .venv/bin/minutes in the first folder on the PATH we may write to, of
# ~/.local/bin and /usr/local/bin. A file there that is not such a link is left alone. Prints what it did.
# Usage: scripts/link-minutes.sh VENV_BIN_MINUTES      (remove: scripts/link-minutes.sh --remove VENV_BIN_MINUTES)
set -euo pipefail
remove=0
if [ "${1:-}" = --remove ]; then remove=1; shift; fi
target=$(readlink -f "$1")
on_path() { case ":$PATH:" in *":$1:"*) return 0 ;; *) return 1 ;; esac; }
ours() { [ -L "$1" ] && [[ $(readlink "$1") == */.venv/bin/minutes ]]; }  # a link some checkout's install made

if [ $remove = 1 ]; then
    for dir in "$HOME/.local/bin" /usr/local/bin; do
        link="$dir/minutes"
        if [ -L "$link" ] && [ "$(readlink -f "$link")" = "$target" ]; then rm -f "$link" && echo "removed $link"; fi
    done
    exit 0
fi
for dir in "$HOME/.local/bin" /usr/local/bin; do
    on_path "$dir" || continue
    link="$dir/minutes"
    if [ -L "$link" ] && [ "$(readlink -f "$link")" = "$target" ]; then
        echo "minutes is on your PATH: $link -> $target"
        exit 0
    fi
    if [ -e "$link" ] || [ -L "$link" ]; then
        ours "$link" || { echo "not replacing $link (not a link to a minutes checkout)"; continue; }
    fi
    if mkdir -p "$dir" 2>/dev/null && ln -sfn "$target" "$link" 2>/dev/null; then
        echo "minutes is on your PATH: $link -> $target (type \`minutes --help\` in any folder)"
        exit 0
    fi
done
echo "minutes is not on your PATH (neither ~/.local/bin nor /usr/local/bin is on it and writable):"
echo "run it as $target, or make \`minutes\` run it in every new terminal with"
echo "    echo \"alias minutes='$target'\" >> ~/.bashrc"
