#!/bin/bash
# Installs the real components the test suites start: the NetworkManager sandbox
# (test/nm-sandbox/nm-sandbox.sh), the HTTP servers and proxies of the access manager's suites,
# and the browser of the inspector's suite. Idempotent: does nothing when every tool is there.
# Starts no service: the suites start their own, on loopback or in network namespaces.
set -euo pipefail
PATH="$PATH:/usr/sbin:/sbin"  # NetworkManager, ip and nginx live in sbin, often not on a user PATH

# tool (a command, or an absolute path for files that are not commands) and its Debian package
requirements=(
  "NetworkManager network-manager" "nmcli network-manager" "dnsmasq dnsmasq-base"
  "dbus-daemon dbus" "busctl systemd" "ip iproute2" "unshare util-linux"
  "nginx nginx-light" "tinyproxy tinyproxy" "microsocks microsocks" "openssl openssl"
  "/usr/lib/python3/dist-packages/httpbin/core.py python3-httpbin"
  "chromium chromium"
)

present() { if [[ $1 == /* ]]; then [ -e "$1" ]; else command -v "$1" > /dev/null 2>&1; fi; }

missing=() packages=()
for requirement in "${requirements[@]}"; do
  read -r tool package <<< "$requirement"
  present "$tool" || { missing+=("$tool"); packages+=("$package"); }
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

for requirement in "${requirements[@]}"; do
  read -r tool package <<< "$requirement"
  present "$tool" || { echo "install-system-deps: $tool still missing after installing $package" >&2; exit 1; }
done
