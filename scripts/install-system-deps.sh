#!/bin/bash
# Installs what the real-NetworkManager test sandbox needs (test/nm-sandbox/nm-sandbox.sh).
# Idempotent: does nothing when every tool is already there. Starts no service: the Debian
# packages have no SysV init scripts and systemd is not running on these machines.
set -euo pipefail
PATH="$PATH:/usr/sbin:/sbin"  # NetworkManager and ip live in sbin, often not on a user PATH

tools=(NetworkManager nmcli dnsmasq dbus-daemon busctl ip unshare)
packages=(network-manager dnsmasq-base dbus iproute2 util-linux)

missing=()
for tool in "${tools[@]}"; do
  command -v "$tool" > /dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing ${missing[*]}." >&2
  echo "Run as root: apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 1
fi

echo "install-system-deps: installing ${packages[*]} (missing: ${missing[*]})" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"

for tool in "${tools[@]}"; do
  command -v "$tool" > /dev/null 2>&1 || { echo "install-system-deps: $tool still missing" >&2; exit 1; }
done
