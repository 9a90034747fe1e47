# syntax=docker/dockerfile:1
# WhatsApp Multi-Platform: the gateway plus the GOWA binary it runs once per number.
#   docker build -t whatsapp-multi-platform .            (or: docker compose build)
#   docker build --build-arg GOWA_VERSION=9.2.0 ...      (pin another binary release)
# Glibc (Debian) on purpose: the GOWA Linux binaries are linked dynamically against glibc.

ARG NODE_VERSION=22
ARG GOWA_VERSION=9.2.0

# --- build: compile TypeScript, then keep only production dependencies --------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
# better-sqlite3 falls back to a source build when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The dashboard is built in the same step into dist/ui (served by the gateway; nothing from a CDN).
COPY ui ./ui
RUN npm run build && npm prune --omit=dev

# --- gowa: the binary, fetched by version and checked against the release's checksums -----------
FROM debian:bookworm-slim AS gowa
ARG GOWA_VERSION
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/install-binary.sh /tmp/install-binary.sh
RUN GOWA_INSTALL_DIR=/out bash /tmp/install-binary.sh "${GOWA_VERSION}"

# --- runtime --------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim
# tini: PID 1 that forwards signals and reaps orphaned children (a GOWA child whose parent died).
# ffmpeg and webp: GOWA converts media with them. util-linux: setpriv, which ties each child's life to the
# gateway's (parent-death signal), so no child outlives a killed gateway.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ffmpeg webp ca-certificates util-linux \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=3000 \
    WHATSAPP_BINARY=/app/bin/whatsapp \
    SESSIONS_DIR=/app/sessions \
    DATA_DIR=/app/volumes \
    BACKUP_DIR=/app/backups \
    AUTO_UPDATE=check

COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY drizzle ./drizzle
COPY drizzle-postgres ./drizzle-postgres
COPY scripts ./scripts
COPY --from=gowa /out/whatsapp /out/whatsapp.version ./bin/

# The image's "node" user (uid 1000) owns only the data folders; the code and the binary stay read-only to it.
# So in Docker, updates are reported (AUTO_UPDATE=check) and applied by building with a new GOWA_VERSION.
RUN mkdir -p sessions volumes backups \
 && chown node:node sessions volumes backups
USER node

VOLUME ["/app/sessions", "/app/volumes"]
EXPOSE 3000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.API_PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# No "tini -g": the gateway stops its children itself, in order and with a grace period, on SIGTERM.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
