# syntax=docker/dockerfile:1
# The bug tracker's two binaries on a slim Debian. Build: docker build -t bugtracker .
# The migrations are compiled into the binaries; /data holds the databases.

FROM swift:6.2-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so that a change to the sources reuses their layer.
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --static-swift-stdlib --product bugtracker \
    && swift build -c release --static-swift-stdlib --product bugtracker-migrate \
    && mkdir /staging \
    && cp "$(swift build -c release --show-bin-path)/bugtracker" "$(swift build -c release --show-bin-path)/bugtracker-migrate" /staging/

FROM debian:bookworm-slim
# libsqlite3 for the data layer, CA certificates for SMTP over TLS, curl for
# health checks, sqlite3 to look inside a volume.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-0 ca-certificates curl sqlite3 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home bugtracker \
    && mkdir -p /data/users /data/bugs /data/notificator \
    && chown -R bugtracker:bugtracker /data
COPY --from=build /staging/ /usr/local/bin/
USER bugtracker
WORKDIR /data
VOLUME /data
EXPOSE 8800 8801 8802 8803
ENTRYPOINT ["bugtracker"]
CMD ["dev", "--data-dir", "/data", "--host", "0.0.0.0"]
