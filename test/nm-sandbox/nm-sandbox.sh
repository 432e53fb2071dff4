#!/bin/bash
# nm-sandbox.sh start|stop|nm-start|nm-stop|nm-kill|bus-stop|bus-start|link-down N|link-up N
#
# A real NetworkManager for tests, confined to network namespace $P-client and talking on a
# private dbus-daemon at $NMSB_DIR/bus.sock; veth links $P0.. whose peers rtr0.. sit in
# namespace $P-router with dnsmasq as DHCP server (10.231.(N+1).0/24, router .1).
# Measured recipe and its gotchas: research/nm-sandbox.md. Nothing here touches the host's
# interfaces, routes, resolv.conf or hostname.
#
# Knobs (environment):
#   NMSB_DIR              state dir (default /tmp/nm-sandbox); must differ per parallel sandbox
#   NMSB_PREFIX           interface/namespace prefix (default nmt); must differ too; keep short:
#                         "$NMSB_PREFIX$N" must fit Linux's 15-character interface names
#   NMSB_LINKS            number of veth links (default 2)
#   NMSB_CONNCHECK        true: enable NM's connectivity check against an HTTP server in the
#                         router namespace serving $NMSB_DIR/www/check (edit it to fake a portal)
#   NMSB_CONNCHECK_INTERVAL  seconds between checks (default 5)
#   NMSB_AUTH             auth-polkit value: false (everything allowed) or root-only
#   NMSB_CARRIER_WAIT_MS  NM's carrier-wait-timeout (default 500; NM's own default is 5000)
#   NMSB_LOG_LEVEL        NM log level (default INFO)
#   NMSB_KEEP=1           keep $NMSB_DIR (logs) after stop
set -eEuo pipefail
PATH="$PATH:/usr/sbin:/sbin"
D=${NMSB_DIR:-/tmp/nm-sandbox}; P=${NMSB_PREFIX:-nmt}; N=${NMSB_LINKS:-2}
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$D/bus.sock

die() { echo "nm-sandbox: $*" >&2; exit 1; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# A zombie (PID 1 reaps re-parented children lazily) counts as dead; kill -0 would say alive.
alive() { local s; s=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' /proc/"$1"/status 2>/dev/null || true)
          [ -n "$s" ] && [ "$s" != Z ]; }
stop_pid() { [ -f "$1" ] || return 0; local p; p=$(cat "$1"); rm -f "$1"
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 100); do alive "$p" || return 0; sleep 0.05; done; kill -9 "$p" 2>/dev/null || true; }

kill_pid() { [ -f "$1" ] || return 0; local p; p=$(cat "$1"); rm -f "$1"
  kill -9 "$p" 2>/dev/null || return 0
  for _ in $(seq 100); do alive "$p" || return 0; sleep 0.05; done; die "pid $p survived SIGKILL"; }

check_args() {
  [[ $P =~ ^[a-z][a-z0-9]{0,9}$ ]] || die "NMSB_PREFIX must be 1-10 lowercase letters/digits, starting with a letter: '$P'"
  [[ $N =~ ^[1-9]$ ]] || die "NMSB_LINKS must be 1-9: '$N'"
  [ "${#D}" -le 90 ] || die "NMSB_DIR too long for a unix socket path: $D"
  case "${NMSB_AUTH:-false}" in false|root-only) ;; *) die "NMSB_AUTH must be false or root-only";; esac
  case "${NMSB_CONNCHECK:-false}" in false|true) ;; *) die "NMSB_CONNCHECK must be true or false";; esac
}

check_tools() {
  local b missing=()
  for b in NetworkManager nmcli dnsmasq dbus-daemon busctl ip unshare setsid; do
    command -v "$b" > /dev/null || missing+=("$b"); done
  [ "${NMSB_CONNCHECK:-false}" != true ] || command -v node > /dev/null || missing+=(node)
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: run scripts/install-system-deps.sh as root"
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, veth links, NetworkManager)"
}

write_configs() {
  mkdir -p "$D"/nm/{conf.d,sysconf.d,run,lib,connections}
  # No <servicedir>: nothing is bus-activatable, so NM's dispatcher (host scripts) never runs.
  cat > "$D/dbus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=$D/bus.sock</listen><auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_type="*"/>
    <allow send_type="method_call"/><allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
  </policy></busconfig>
CONF
  # dns/rc-manager/hostname-mode: the mount namespace still shares /etc and the hostname.
  # no-auto-default: else NM invents "Wired connection N" profiles and autoconnects them.
  cat > "$D/nm/NetworkManager.conf" <<CONF
[main]
plugins=keyfile
dns=none
rc-manager=unmanaged
hostname-mode=none
auth-polkit=${NMSB_AUTH:-false}
dhcp=internal
firewall-backend=none
systemd-resolved=false
no-auto-default=*
[keyfile]
path=$D/nm/connections
unmanaged-devices=none
[connectivity]
enabled=${NMSB_CONNCHECK:-false}
uri=http://10.231.1.1:8080/check
response=NetworkManager is online
interval=${NMSB_CONNCHECK_INTERVAL:-5}
[device-sandbox]
match-device=interface-name:$P*
managed=1
carrier-wait-timeout=${NMSB_CARRIER_WAIT_MS:-500}
CONF
}

# Ready: Startup=false, and every sandbox device whose router peer is up has left
# unmanaged/unavailable (an unplugged link legitimately stays unavailable).
nm_ready() {
  [ "$(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" get-property org.freedesktop.NetworkManager \
        /org/freedesktop/NetworkManager org.freedesktop.NetworkManager Startup 2>/dev/null)" = "b false" ] ||
    return 1
  local states i; states=$(nmcli -t -f DEVICE,STATE device 2>/dev/null) || return 1
  for i in $(seq 0 $((N-1))); do
    grep -q "^$P$i:" <<< "$states" || return 1
    grep -qE "^$P$i:unmanaged" <<< "$states" && return 1
    if ip -n "$P-router" -o link show "rtr$i" | grep -q '[<,]UP[,>]'; then
      grep -qE "^$P$i:unavailable" <<< "$states" && return 1
    fi
  done
  return 0
}

nm_start() {
  local t0; t0=$(ms)
  [ ! -e "$D/nm.pid" ] || ! alive "$(cat "$D/nm.pid")" || die "NetworkManager already running"
  # Own mount+UTS namespace; /sys read-only => NM runs without udev (else every device stays
  # unmanaged); private /run and /var/lib/NetworkManager. /run/NetworkManager survives NM
  # restarts so the next instance re-assumes the active profiles.
  NMSB_DIR=$D setsid ip netns exec "$P-client" unshare --uts --mount --propagation private sh -c '
    set -e; mount -o remount,bind,ro /sys; mount -t tmpfs -o mode=755 nmsb-run /run
    mkdir -p /run/NetworkManager; mount --bind "$NMSB_DIR/nm/run" /run/NetworkManager
    mount --bind "$NMSB_DIR/nm/lib" /var/lib/NetworkManager
    exec NetworkManager --debug --log-level='"${NMSB_LOG_LEVEL:-INFO}"' \
      --config="$NMSB_DIR/nm/NetworkManager.conf" --config-dir="$NMSB_DIR/nm/conf.d" \
      --system-config-dir="$NMSB_DIR/nm/sysconf.d" \
      --intern-config="$NMSB_DIR/nm/lib/NetworkManager-intern.conf" \
      --state-file="$NMSB_DIR/nm/lib/NetworkManager.state"' >> "$D/nm.log" 2>&1 < /dev/null &
  echo $! > "$D/nm.pid"   # setsid, ip netns exec, unshare and sh all exec(): NM's own pid
  for _ in $(seq 300); do
    if nm_ready; then echo "NetworkManager ready in $(( $(ms) - t0 )) ms"; return 0; fi
    alive "$(cat "$D/nm.pid")" || { tail -20 "$D/nm.log" >&2; die "NetworkManager died"; }
    sleep 0.05
  done
  tail -20 "$D/nm.log" >&2; die "NetworkManager not ready after 15 s"
}

bus_start() {
  [ ! -e "$D/dbus.pid" ] || ! alive "$(cat "$D/dbus.pid")" || die "dbus-daemon already running"
  rm -f "$D/bus.sock"   # a daemon killed with SIGKILL leaves its socket file behind
  dbus-daemon --config-file="$D/dbus.conf" --nofork --nopidfile >> "$D/dbus.log" 2>&1 < /dev/null &
  echo $! > "$D/dbus.pid"
  for _ in $(seq 100); do [ -S "$D/bus.sock" ] && break; sleep 0.02; done
  [ -S "$D/bus.sock" ] || die "dbus-daemon did not create $D/bus.sock: $(cat "$D/dbus.log")"
}

# The bus daemon dies under its clients (SIGKILL: they see the socket drop, nobody says
# goodbye). NetworkManager cannot live without its bus; it is stopped too (SIGTERM, links stay
# configured) so that bus-start can bring up a new one that re-assumes them.
bus_stop() {
  kill_pid "$D/dbus.pid"
  rm -f "$D/bus.sock"
  stop_pid "$D/nm.pid"
}

start_conncheck() {
  mkdir -p "$D/www"; printf 'NetworkManager is online' > "$D/www/check"
  # Reads the file per request so tests can switch between "online" and "portal" bodies.
  ip netns exec "$P-router" node -e 'const fs=require("fs");require("http").createServer((q,s)=>
    s.end(fs.readFileSync(process.argv[1]+"/check"))).listen(8080,"10.231.1.1")' "$D/www" \
    > "$D/http.log" 2>&1 < /dev/null &
  echo $! > "$D/http.pid"
}

start() {
  local t0 i ns ranges=(); t0=$(ms)
  check_tools
  if [ -e "$D/nm.pid" ]; then
    ! alive "$(cat "$D/nm.pid")" || die "already running in $D"
    stop   # left over from a run that was killed: clear it before reusing the names
  fi
  write_configs
  bus_start
  for ns in "$P-client" "$P-router"; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"
    ip -n "$ns" link set lo up; done
  for i in $(seq 0 $((N-1))); do  # created inside the namespaces: never visible on the host
    ip link add "$P$i" netns "$P-client" type veth peer name "rtr$i" netns "$P-router"
    ip -n "$P-router" addr add "10.231.$((i+1)).1/24" dev "rtr$i"; ip -n "$P-router" link set "rtr$i" up
    ranges+=(--interface="rtr$i" --dhcp-range="10.231.$((i+1)).100,10.231.$((i+1)).199,255.255.255.0,1h")
  done
  # --no-ping: else dnsmasq pings each address before offering it (~3 s per activation).
  ip netns exec "$P-router" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --port=0 --bind-interfaces --except-interface=lo --no-ping --dhcp-authoritative "${ranges[@]}" \
    --dhcp-leasefile="$D/dnsmasq.leases" --pid-file= --user=root --log-facility="$D/dnsmasq.log" \
    --log-dhcp > "$D/dnsmasq.out" 2>&1 < /dev/null &
  echo $! > "$D/dnsmasq.pid"
  [ "${NMSB_CONNCHECK:-false}" != true ] || start_conncheck
  nm_start
  echo "sandbox up in $(( $(ms) - t0 )) ms: export DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS"
}

stop() {
  stop_pid "$D/nm.pid"; stop_pid "$D/http.pid"; stop_pid "$D/dnsmasq.pid"; stop_pid "$D/dbus.pid"
  ip netns del "$P-client" 2>/dev/null || true; ip netns del "$P-router" 2>/dev/null || true
  [ "${NMSB_KEEP:-0}" = 1 ] || rm -rf "$D"
}

link_set() {
  [[ ${2:-} =~ ^[0-9]$ ]] && [ "$2" -lt "$N" ] || die "link index must be 0..$((N-1)): '${2:-}'"
  ip -n "$P-router" link set "rtr$2" "$1"   # the router side: the client veth loses carrier
}

check_args
case "${1:-}" in
  start) trap 'echo "nm-sandbox: start failed, cleaning up" >&2; stop; exit 1' ERR; start ;;
  stop) stop ;;
  nm-stop) stop_pid "$D/nm.pid" ;;       # SIGTERM; NM leaves the interfaces configured
  nm-kill) kill_pid "$D/nm.pid" ;;       # SIGKILL: no last signals, only the bus notices
  nm-start) nm_start ;;                  # re-assumes active connections (state in $D/nm/run)
  bus-stop) bus_stop ;;                  # dbus-daemon killed, NetworkManager stopped with it
  bus-start) bus_start; nm_start ;;      # a new dbus-daemon at the same address, then NM
  link-down) link_set down "${2:-}" ;;
  link-up) link_set up "${2:-}" ;;
  *) echo "usage: $0 start|stop|nm-start|nm-stop|nm-kill|bus-stop|bus-start|link-down N|link-up N" >&2; exit 2 ;;
esac
