#!/bin/sh
# Runs keepalived (VIP by VRRP) beside HAProxy; the node's params file is mounted as node.params.
set -e
# The stats page's password comes from a secret file (compose: secret lb_stats_password), never from the
# image or the repository; haproxy.cfg refuses to start without one.
if [ -n "${BEACON_LB_STATS_PASSWORD_FILE:-}" ]; then
  BEACON_LB_STATS_PASSWORD=$(cat "$BEACON_LB_STATS_PASSWORD_FILE")
  export BEACON_LB_STATS_PASSWORD
fi
keepalived -t -e -f /etc/keepalived/keepalived.conf
keepalived -D -f /etc/keepalived/keepalived.conf
exec haproxy -W -db -f /usr/local/etc/haproxy/haproxy.cfg -f /usr/local/etc/haproxy/backends-dns.cfg
