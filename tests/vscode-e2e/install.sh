#!/usr/bin/env bash
# Installs what run.sh needs, into DIR (default: ~/.cache/wasmdbg-vscode-e2e):
# Debian's chromium, and the libraries code-server's native modules build
# against (apt); node 24 and code-server 4.139.1 (npm; code-server needs
# node 24, which the npm package node@24 provides). About 4 minutes.
set -euo pipefail
dir=${1:-${WASMDBG_VSCODE_E2E_DIR:-$HOME/.cache/wasmdbg-vscode-e2e}}
# Never a password prompt: root, or sudo without one.
if [ "$(id -u)" = 0 ]; then sudo=; else sudo="sudo -n"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev >/dev/null
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-audit --no-fund node@24
PATH="$dir/node_modules/node/bin:$PATH" npm install --no-audit --no-fund code-server@4.139.1
echo "installed in $dir"
