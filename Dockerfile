# Rounds: build the release binary, then run it as a non-root user with its data in /data.
#
#   docker build -t rounds .
#   docker run --rm -it -v rounds-data:/data rounds shell
#   docker run --rm -v rounds-data:/data rounds check-config
#
# Secrets (ROUNDS_MATRIX_PASSWORD, ROUNDS_MATRIX_ACCESS_TOKEN, ROUNDS_DISCORD_TOKEN) are passed
# as environment variables at run time, never baked into the image.

# rust:1 tracks the latest stable release; Cargo.toml needs rustc 1.94 or newer.
FROM rust:1-bookworm AS builder
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
# migrations/ is embedded at compile time; benches/ holds the bench target Cargo.toml declares.
COPY src ./src
COPY migrations ./migrations
COPY benches ./benches
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --gid 10001 rounds \
    && useradd --uid 10001 --gid rounds --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin rounds \
    && mkdir -p /data \
    && chown rounds:rounds /data
COPY --from=builder /build/target/release/rounds /usr/local/bin/rounds
ENV ROUNDS_DATA_DIR=/data
USER rounds
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/rounds"]
CMD ["run"]
