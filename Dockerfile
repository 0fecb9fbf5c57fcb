# Rounds: build the release binary, then run it under an init as a non-root user, data in /data.
#
#   docker build -t rounds .
#   docker run --rm -it -v rounds-data:/data rounds shell
#   docker run --rm -v rounds-data:/data rounds check-config
#   docker run -d --name rounds -v rounds-data:/data -p 127.0.0.1:8080:8080 \
#       -e ROUNDS_DISCORD_TOKEN=... rounds
#
# deploy/docker-compose.yml runs it beside PostgreSQL. Secrets (ROUNDS_MATRIX_PASSWORD,
# ROUNDS_MATRIX_ACCESS_TOKEN, ROUNDS_DISCORD_TOKEN, ROUNDS_DATABASE_URL with a password) are
# passed as environment variables at run time, never baked into the image.

# rust:1 tracks the latest stable release; Cargo.toml needs rustc 1.94 or newer.
FROM rust:1-bookworm AS builder
WORKDIR /build
# The platforms built in: both by default. A society on one platform can build a smaller image
# (`docker build --build-arg PLATFORMS=discord .`: a 22 MB binary idling in 20 MiB, against 62 MB
# and 49 MiB with both; README "Memory").
ARG PLATFORMS=matrix,discord

# The dependencies first, in a layer of their own: built against empty sources, so a change to
# Rounds' own code reuses this layer instead of rebuilding serenity and matrix-sdk (about 18
# minutes on two cores); the final link, fat LTO over everything, still takes about ten.
# Cargo.toml names the benchmarks, so they need placeholder files too.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && for bench in rounds_bench matrix_roundtrip discord_roundtrip pairing idle head_of_line burst anchor memory; do \
         echo 'fn main() {}' > "benches/$bench.rs"; \
       done \
    && cargo build --release --locked --bin rounds --no-default-features --features "$PLATFORMS" \
    && rm -rf src benches

# migrations/ is embedded at compile time. The placeholders' build outputs are newer than the
# copied sources' timestamps, so touch the sources to make cargo rebuild Rounds itself.
COPY src ./src
COPY migrations ./migrations
COPY benches ./benches
COPY config ./config
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin rounds --no-default-features --features "$PLATFORMS"

FROM debian:bookworm-slim
# tini is PID 1: it forwards SIGTERM from `docker stop` to Rounds (a process that is PID 1
# itself gets no default signal handling) and reaps children.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata tini \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 rounds \
    && useradd --uid 10001 --gid rounds --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin rounds \
    && mkdir -p /data \
    && chown rounds:rounds /data
COPY --from=builder /build/target/release/rounds /usr/local/bin/rounds
# glibc gives each thread that allocates an arena of its own, up to 8 per core; two hold Rounds'
# small heap with less left over (idle anonymous memory 8.0 → 7.3 MiB, README "Memory").
ENV ROUNDS_DATA_DIR=/data \
    ROUNDS_HTTP_BIND=0.0.0.0:8080 \
    MALLOC_ARENA_MAX=2
USER rounds
WORKDIR /data
VOLUME ["/data"]
# Calendar feeds, /healthz, /readyz and /metrics.
EXPOSE 8080
# Liveness: /healthz answers while the process runs. The image has no curl, so bash's
# /dev/tcp asks; tests/deploy.rs runs this exact command against a real server.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/rounds"]
CMD ["run"]
