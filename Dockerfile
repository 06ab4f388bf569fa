# Beacon node image: the one deployable, module beacon-node. Build its jar first (bin/beacon builds it, or
# ./mvnw -pl beacon-node -am package), then docker build from the checkout.
FROM eclipse-temurin:17-jre
RUN useradd --system --home /var/lib/beacon beacon && mkdir -p /var/lib/beacon && chown beacon /var/lib/beacon
COPY beacon-node/target/beacon.jar /opt/beacon/beacon.jar
COPY bin/jvm.options /opt/beacon/jvm.options
USER beacon
WORKDIR /var/lib/beacon
ENV BEACON_OPTS="-Xms256m -Xmx1g"
EXPOSE 8080 8081 9464 47100-47109 47500-47509
ENTRYPOINT ["sh", "-c", "exec java $BEACON_OPTS @/opt/beacon/jvm.options -jar /opt/beacon/beacon.jar run \"$@\"", "beacon"]
