#!/usr/bin/env bash
# Runs run.js: wasmdbg's debug session in VS Code itself, with the pieces
# install.sh puts in DIR (WASMDBG_VSCODE_E2E_DIR, default:
# ~/.cache/wasmdbg-vscode-e2e) and Debian's chromium. Without them it says
# what is missing and exits 0 (the run is skipped, not passed).
#   tests/vscode-e2e/run.sh WASMDBG VSIX [SCREENSHOT]
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: tests/vscode-e2e/run.sh WASMDBG VSIX [SCREENSHOT]" >&2
    exit 2
fi
wasmdbg=$(realpath "$1")
vsix=$(realpath "$2")
screenshot=()
[ $# -ge 3 ] && screenshot=(--screenshot "$(realpath -m "$3")")
cd "$(dirname "$0")/../.."
dir=${WASMDBG_VSCODE_E2E_DIR:-$HOME/.cache/wasmdbg-vscode-e2e}
code_server="$dir/node_modules/.bin/code-server"
missing=()
[ -x "$code_server" ] || missing+=("code-server ($code_server)")
[ -x "$dir/node_modules/node/bin/node" ] || missing+=("node 24 ($dir/node_modules/node/bin/node)")
[ -x /usr/bin/chromium ] || missing+=("chromium (/usr/bin/chromium)")
if [ ${#missing[@]} -gt 0 ]; then
    echo "SKIPPED: the VS Code session was not run: missing ${missing[*]}; tests/vscode-e2e/install.sh installs them"
    exit 0
fi
npm --prefix tests/vscode-e2e ci --no-audit --no-fund
PATH="$dir/node_modules/node/bin:$PATH" node tests/vscode-e2e/run.js \
    --code-server "$code_server" --vsix "$vsix" --wasmdbg "$wasmdbg" \
    ${screenshot[@]+"${screenshot[@]}"}
