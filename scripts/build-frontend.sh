#!/usr/bin/env bash
# Builds frontend/ into frontend/dist, which main.go embeds. Runs `npm ci` only
# when node_modules is missing or package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

# Vite 8 needs Node ^20.19 || >=22.12; fail here rather than with a cryptic error.
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)?0:1)'; then
	echo "build-frontend: Node.js $(node --version 2>/dev/null || echo 'not found') is too old; need ^20.19 or >=22.12" >&2
	exit 1
fi

stamp=node_modules/.smallfry-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
	npm ci --no-audit --no-fund
	echo "$want" >"$stamp"
fi
npm run build
