#!/bin/sh
# Runs keepalived (VIP by VRRP) beside HAProxy; the node's params file is mounted as node.params.
set -e
keepalived -t -e -f /etc/keepalived/keepalived.conf
keepalived -D -f /etc/keepalived/keepalived.conf
exec haproxy -W -db -f /usr/local/etc/haproxy/haproxy.cfg -f /usr/local/etc/haproxy/backends-dns.cfg
