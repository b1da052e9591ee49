# licensekit-server in a container: built in a Rust image, run from a slim Debian as an
# unprivileged user, the data directory a volume. See server/README.md ("Deployment").
#
#   docker build -t licensekit-server .
#   docker run -d --name licensekit -p 8700:8700 -v licensekit-data:/data licensekit-server
#   docker logs licensekit            # the credentials `init` printed on first start
#   docker exec licensekit licensekit-server info --data-dir /data/server
#
# TLS: mount the PEM files and add --tls-cert/--tls-key to the command; renew with
# `docker kill --signal HUP licensekit`.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p licensekit-server \
    && install -m 0755 target/release/licensekit-server /usr/local/bin/licensekit-server

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin licensekit \
    && mkdir -p /data && chown licensekit:licensekit /data && chmod 0700 /data
COPY --from=build /usr/local/bin/licensekit-server /usr/local/bin/licensekit-server
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER licensekit
VOLUME ["/data"]
EXPOSE 8700
# The process handles SIGTERM itself (requests in flight finish): no init wrapper needed.
STOPSIGNAL SIGTERM
# Probes: GET /healthz (up) and /readyz (database reachable) from the orchestrator; the slim
# image carries no HTTP client for a HEALTHCHECK of its own.
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["serve", "--data-dir", "/data/server", "--listen", "0.0.0.0:8700", "--log-format", "json"]
