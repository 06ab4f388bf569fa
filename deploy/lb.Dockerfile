# A load-balancer node: the official HAProxy image plus keepalived from Debian.
FROM haproxy:2.8-bookworm
USER root
RUN apt-get update && apt-get install -y --no-install-recommends keepalived curl && rm -rf /var/lib/apt/lists/*
COPY haproxy/haproxy.cfg haproxy/backends-dns.cfg /usr/local/etc/haproxy/
COPY keepalived/keepalived.conf /etc/keepalived/keepalived.conf
COPY deploy/lb-entrypoint.sh /usr/local/bin/lb-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/lb-entrypoint.sh"]
