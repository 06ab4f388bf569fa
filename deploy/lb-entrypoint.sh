#!/bin/sh
# Runs keepalived (VIP by VRRP) beside HAProxy; the node's params file is mounted as node.params.
set -e
# The stats page's password comes from a secret file (compose: secret lb_stats_password), never from the
# image or the repository; haproxy.cfg refuses to start without one.
if [ -n "${BEACON_LB_STATS_PASSWORD_FILE:-}" ]; then
  BEACON_LB_STATS_PASSWORD=$(cat "$BEACON_LB_STATS_PASSWORD_FILE")
  export BEACON_LB_STATS_PASSWORD
fi
# VRRP's shared password, from a secret file as well (compose: secret lb_vrrp_password): keepalived.conf
# includes vrrp-auth.params; AH uses the first 8 characters.
if [ -z "${BEACON_LB_VRRP_PASSWORD_FILE:-}" ] || [ ! -s "$BEACON_LB_VRRP_PASSWORD_FILE" ]; then
  echo "BEACON_LB_VRRP_PASSWORD_FILE must name a non-empty file: the balancers' shared VRRP password" >&2
  exit 1
fi
(umask 077 && printf '$VRRP_AUTH_PASS=%s\n' "$(tr -d '\r\n' < "$BEACON_LB_VRRP_PASSWORD_FILE" | cut -c1-8)" \
  > /etc/keepalived/vrrp-auth.params)
keepalived -t -e -f /etc/keepalived/keepalived.conf
keepalived -D -f /etc/keepalived/keepalived.conf
exec haproxy -W -db -f /usr/local/etc/haproxy/haproxy.cfg -f /usr/local/etc/haproxy/backends-dns.cfg
