#!/usr/bin/env bash
# Installs the Wirefleet node agent on a Debian/Ubuntu host and enrolls it.
#   install-agent.sh --api URL --key ENROLLMENT_KEY [--name N] [--endpoint HOST:PORT] [--region R]
#                    [--listen-port P] [--gateway WS_URL] [--package PATH_OR_SPEC]
# Idempotent: packages already present are kept, an already enrolled host is not enrolled again,
# and the service is (re)started. No prompts.
set -euo pipefail

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
die() { echo "install-agent: $*" >&2; exit 1; }

API='' KEY='' PACKAGE='@wirefleet/node-agent'
ENROLL_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --api) API="${2:-}"; shift 2 ;;
    --key) KEY="${2:-}"; shift 2 ;;
    --name|--endpoint|--region|--listen-port|--gateway) ENROLL_ARGS+=("$1" "${2:-}"); shift 2 ;;
    --package) PACKAGE="${2:-}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "install-agent: unknown option $1" >&2; usage ;;
  esac
done
[ -n "$API" ] || { echo "install-agent: --api is required" >&2; usage; }
[ -n "$KEY" ] || { echo "install-agent: --key is required" >&2; usage; }
[[ "$API" =~ ^https?://[^[:space:]]+$ ]] || die "--api must be an http(s) URL"
[ "$(id -u)" -eq 0 ] || die "run as root (the agent manages network interfaces and nftables)"

# --- prerequisites ---------------------------------------------------------------------------
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v wg >/dev/null || need+=(wireguard-tools)
command -v ping >/dev/null || need+=(iputils-ping)
# Without the kernel module, the userspace implementation serves the same UAPI.
if ! ip link add wfprobe0 type wireguard 2>/dev/null; then
  command -v wireguard-go >/dev/null || need+=(wireguard-go)
else
  ip link del wfprobe0
fi
command -v node >/dev/null || need+=(nodejs npm)
if [ "${#need[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${need[*]} and no apt-get to install them"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js >= 20 is required (found $(node --version))"

# --- the agent -------------------------------------------------------------------------------
if ! command -v wirefleet-agent >/dev/null; then
  npm install -g --no-audit --no-fund "$PACKAGE"
fi

install -d -m 0700 /etc/wirefleet
if [ -f /etc/wirefleet/agent.json ]; then
  echo "install-agent: already enrolled ($(wirefleet-agent status --config /etc/wirefleet/agent.json | head -n 1)); keeping it"
else
  # Through the environment, not argv: the agent's command line is visible in ps.
  WIREFLEET_ENROLLMENT_KEY="$KEY" wirefleet-agent enroll --api "$API" --config /etc/wirefleet/agent.json "${ENROLL_ARGS[@]}"
fi

unit_src="$(dirname "$0")/systemd/wirefleet-agent.service"
if [ -f "$unit_src" ]; then
  install -m 0644 "$unit_src" /etc/systemd/system/wirefleet-agent.service
fi
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now wirefleet-agent.service
  systemctl restart wirefleet-agent.service
  echo "install-agent: wirefleet-agent is running (journalctl -u wirefleet-agent -f)"
else
  echo "install-agent: no systemd here; start it with: wirefleet-agent run --config /etc/wirefleet/agent.json"
fi
