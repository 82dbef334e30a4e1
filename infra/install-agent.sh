#!/usr/bin/env bash
# Installs the Wirefleet node agent from a Wirefleet server and enrolls the host (Debian/Ubuntu).
# The server serves this script with its own URL filled in:
#   curl -fsSL https://SERVER/install.sh | sudo bash -s -- --key-file /path/to/enrollment-key
# or, from a checkout:  sudo infra/install-agent.sh --api https://SERVER --key-file PATH
set -euo pipefail

# Filled in by the server that serves this script (GET /install.sh): the default --api.
WIREFLEET_API_DEFAULT=''

usage() {
  cat >&2 <<'EOF'
usage: install-agent.sh [--api URL] (--key-file PATH | env WIREFLEET_ENROLLMENT_KEY | --key KEY)
                        [--name N] [--endpoint HOST:PORT] [--region R] [--listen-port P]
                        [--gateway WS_URL] [--interface NAME] [--ca-file PATH]
                        [--package NPM_SPEC_OR_PATH] [--root DIR] [--no-apt] [--no-systemd]
  --api URL       the Wirefleet API (default: the server this script came from)
  --key-file PATH a file holding the enrollment key (needed only when not enrolled yet)
  --package SPEC  install the agent with npm from SPEC instead of the server's bundle
  --root DIR      install under DIR instead of / (or WIREFLEET_INSTALL_ROOT; for tests)
  --no-apt        install no packages; fail naming what is missing
  --no-systemd    write the unit but do not start it (no systemctl)
Idempotent: a bundle already installed is kept, an enrolled host is not enrolled again, and the
service is restarted only when something changed. No prompts.
EOF
  exit 2
}
say() { echo "install-agent: $*"; }
die() { echo "install-agent: $*" >&2; exit 1; }

# All of it in one function called on the last line: when the script comes through a pipe
# (curl | bash), bash has then read it whole before anything runs, so no command it starts can
# swallow the rest of it from stdin, and a download cut short runs nothing.
main() {

API="$WIREFLEET_API_DEFAULT" KEY_FILE='' KEY="${WIREFLEET_ENROLLMENT_KEY:-}" PACKAGE=''
ROOT="${WIREFLEET_INSTALL_ROOT:-}" APT=1 SYSTEMD=1
ENROLL_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --api) API="${2:-}"; shift 2 ;;
    --key-file) KEY_FILE="${2:-}"; shift 2 ;;
    --key)
      echo "install-agent: warning: --key puts the enrollment key on the command line, where other users of this host see it (ps); use --key-file PATH or WIREFLEET_ENROLLMENT_KEY" >&2
      KEY="${2:-}"; shift 2 ;;
    --name|--endpoint|--region|--listen-port|--gateway|--interface) ENROLL_ARGS+=("$1" "${2:-}"); shift 2 ;;
    --ca-file) ENROLL_ARGS+=("$1" "$(realpath "${2:-}")"); shift 2 ;;
    --package) PACKAGE="${2:-}"; shift 2 ;;
    --root) ROOT="${2:-}"; shift 2 ;;
    --no-apt) APT=0; shift ;;
    --no-systemd) SYSTEMD=0; shift ;;
    -h|--help) usage ;;
    *) echo "install-agent: unknown option $1" >&2; usage ;;
  esac
done
API="${API%/}"
[ -n "$API" ] || { echo "install-agent: --api is required" >&2; usage; }
[[ "$API" =~ ^https?://[^[:space:]]+$ ]] || die "--api must be an http(s) URL"
if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT"
  ROOT="$(realpath "$ROOT")"
  [ "$ROOT" != / ] || ROOT=''
fi
[ -n "$ROOT" ] || [ "$(id -u)" -eq 0 ] || die "run as root (the agent manages network interfaces and nftables)"
if [ -n "$KEY_FILE" ]; then
  KEY_FILE="$(realpath "$KEY_FILE")"
  [ -r "$KEY_FILE" ] || die "--key-file: cannot read $KEY_FILE"
fi

# Everything below lives under $ROOT ('' on a real host). Paths written into the wrapper and the
# unit carry the prefix too, so a tree installed with --root runs from where it is.
AGENT_DIR="$ROOT/opt/wirefleet/agent"
BIN="$ROOT/usr/local/bin/wirefleet-agent"
CONFIG_DIR="$ROOT/etc/wirefleet"
CONFIG="$CONFIG_DIR/agent.json"
UNIT="$ROOT/etc/systemd/system/wirefleet-agent.service"
CHANGED=0

# --- prerequisites ---------------------------------------------------------------------------
need=()
command -v curl >/dev/null || need+=(curl)
command -v sha256sum >/dev/null || need+=(coreutils)
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v wg >/dev/null || need+=(wireguard-tools)
command -v ping >/dev/null || need+=(iputils-ping) # the agent's `ping` command
# Without the kernel module, the userspace implementation serves the same UAPI.
if command -v ip >/dev/null && ip link add wfprobe0 type wireguard 2>/dev/null; then
  ip link del wfprobe0
else
  command -v wireguard-go >/dev/null || need+=(wireguard-go)
fi
command -v node >/dev/null || need+=(nodejs)
[ -z "$PACKAGE" ] || command -v npm >/dev/null || need+=(npm)
if [ "${#need[@]}" -gt 0 ]; then
  [ "$APT" -eq 1 ] || die "missing ${need[*]} (--no-apt: install them first)"
  command -v apt-get >/dev/null || die "missing ${need[*]} and no apt-get to install them"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js >= 20 is required (found $(node --version)); see https://github.com/nodesource/distributions"

# --- the agent -------------------------------------------------------------------------------
# Writes $2 to $1 only when it differs, so a re-run touches nothing.
write_if_changed() {
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
    mkdir -p "$(dirname "$1")"
    printf '%s\n' "$2" >"$1.tmp.$$"
    chmod "$3" "$1.tmp.$$"
    mv -f "$1.tmp.$$" "$1"
    CHANGED=1
  fi
}

# One field of a JSON document on stdin (node is a prerequisite anyway).
json_field() { node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(typeof v!=="string"&&typeof v!=="number")process.exit(1);process.stdout.write(String(v))})' "$1"; }

install_bundle() {
  local release version sha256 url node_range file dest got tmp
  release="$(curl -fsSL "$API/v1/agent/releases/latest")" \
    || die "cannot fetch $API/v1/agent/releases/latest (has the server a release? npm run release:agent)"
  version="$(json_field version <<<"$release")" || die "the release has no version"
  sha256="$(json_field sha256 <<<"$release")" || die "the release has no sha256"
  url="$(json_field url <<<"$release")" || die "the release has no url"
  node_range="$(json_field node <<<"$release")" || node_range='>=20'
  [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "unexpected release version $version"
  [[ "$sha256" =~ ^[0-9a-f]{64}$ ]] || die "unexpected sha256 $sha256"
  if [[ "$node_range" =~ ^\>=([0-9]+) ]] && [ "$node_major" -lt "${BASH_REMATCH[1]}" ]; then
    die "agent $version needs Node.js $node_range (found $(node --version))"
  fi
  file="${url##*/}"
  [[ "$file" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "unexpected bundle name $file"
  dest="$AGENT_DIR/$version/$file"
  if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$sha256" ]; then
    say "agent $version already installed ($dest)"
  else
    mkdir -p "$AGENT_DIR/$version"
    tmp="$dest.download.$$"
    curl -fsSL -o "$tmp" "$API$url" || { rm -f "$tmp"; die "cannot download $API$url"; }
    got="$(sha256sum "$tmp" | cut -d' ' -f1)"
    if [ "$got" != "$sha256" ]; then
      rm -f "$tmp"
      die "refusing $API$url: its SHA-256 is $got, the release says $sha256"
    fi
    chmod 0644 "$tmp"
    mv -f "$tmp" "$dest"
    CHANGED=1
    say "installed agent $version ($dest, sha256 $sha256)"
  fi
  if [ "$(readlink "$AGENT_DIR/current" 2>/dev/null || true)" != "$version" ]; then
    ln -sfn "$version" "$AGENT_DIR/current.tmp.$$"
    mv -Tf "$AGENT_DIR/current.tmp.$$" "$AGENT_DIR/current"
    CHANGED=1
  fi
  # The agent's V8 flags keep an agent that idles for days small (docs/agent.md, "Memory").
  write_if_changed "$BIN" "#!/bin/sh
# Installed by install-agent.sh: the current agent build ($AGENT_DIR/current).
exec node --max-semi-space-size=1 --no-opt $AGENT_DIR/current/$file \"\$@\"" 0755
}

install_package() {
  if [ -x "$BIN" ] || { [ -z "$ROOT" ] && command -v wirefleet-agent >/dev/null; }; then
    say "wirefleet-agent already installed; keeping it"
  else
    npm install -g --no-audit --no-fund --prefix "$ROOT/usr/local" "$PACKAGE"
    CHANGED=1
  fi
}

if [ -n "$PACKAGE" ]; then install_package; else install_bundle; fi
[ -x "$BIN" ] || BIN="$(command -v wirefleet-agent)" || die "wirefleet-agent is not installed"

# --- enrollment ------------------------------------------------------------------------------
install -d -m 0700 "$CONFIG_DIR"
if [ -f "$CONFIG" ]; then
  say "already enrolled ($("$BIN" status --config "$CONFIG" | head -n 1)); keeping it"
else
  if [ -n "$KEY_FILE" ]; then
    "$BIN" enroll --api "$API" --config "$CONFIG" --key-file "$KEY_FILE" ${ENROLL_ARGS[@]+"${ENROLL_ARGS[@]}"}
  else
    [ -n "$KEY" ] || die "an enrollment key is required: --key-file PATH or WIREFLEET_ENROLLMENT_KEY"
    # Through the environment, not argv: the agent's command line is visible in ps.
    WIREFLEET_ENROLLMENT_KEY="$KEY" "$BIN" enroll --api "$API" --config "$CONFIG" ${ENROLL_ARGS[@]+"${ENROLL_ARGS[@]}"}
  fi
  CHANGED=1
fi

# --- the service -----------------------------------------------------------------------------
# infra/systemd/wirefleet-agent.service with ExecStart running the wrapper above; a test keeps
# the two the same.
write_if_changed "$UNIT" "[Unit]
Description=Wirefleet node agent (WireGuard + nftables)
Documentation=https://github.com/wirefleet/wirefleet/blob/main/docs/agent.md
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
# The wrapper starts node with the agent's memory flags (--max-semi-space-size=1 --no-opt) and
# runs the bundled agent: ~56 MiB resident when idle (docs/agent.md, \"Memory\").
ExecStart=$BIN run --config $CONFIG
Restart=always
RestartSec=2
# The agent manages WireGuard interfaces and the \`inet wirefleet\` nftables table: it needs
# CAP_NET_ADMIN, and writes only its own config folder.
CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW
AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=$CONFIG_DIR /var/run/wireguard /run/wireguard
ProtectHome=yes
PrivateTmp=yes
Environment=LOG_LEVEL=info
# Stopping the agent does not take the tunnel down; \`KillMode=process\` leaves wireguard-go running.
KillMode=process

[Install]
WantedBy=multi-user.target" 0644

if [ "$SYSTEMD" -eq 1 ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --quiet wirefleet-agent.service
  if [ "$CHANGED" -eq 1 ] || ! systemctl is-active --quiet wirefleet-agent.service; then
    systemctl restart wirefleet-agent.service
  fi
  say "wirefleet-agent is running (journalctl -u wirefleet-agent -f)"
elif [ "$SYSTEMD" -eq 1 ]; then
  say "no systemd here; start it with: $BIN run --config $CONFIG"
else
  say "installed; not started (--no-systemd): $BIN run --config $CONFIG"
fi
[ "$CHANGED" -eq 1 ] || say "nothing changed"
}

main "$@"
