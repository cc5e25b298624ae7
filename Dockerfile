# syntax=docker/dockerfile:1
#
# otpgate container image.
#
#   docker build -t otpgate .
#   docker compose up            # with Redis; see docker-compose.yml and .env.example
#
# The image runs with NODE_ENV=production, which refuses every development default: it needs
# REDIS_URL, API_KEYS, CODE_HMAC_SECRET, CALLBACK_TOKEN and real (non-console) providers.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: all dependencies, TypeScript → dist/ (plus the Redis Lua scripts) ----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Dependencies first, so the layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# `npm run build` = tsc -p tsconfig.json (src/ → dist/) and a copy of src/store/scripts/*.lua to
# dist/store/scripts/, where the Redis store reads them next to its compiled module.
COPY tsconfig.json ./
COPY src ./src
RUN npm run build \
 && test -f dist/server.js \
 && test -f dist/store/scripts/common.lua

# ---- runtime: production dependencies and the compiled output only ------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0

# package.json is needed at run time too: its "type": "module" makes dist/*.js ES modules.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

COPY --from=build /app/dist ./dist
COPY openapi ./openapi

# Files stay owned by root (read-only for the process); the service runs as the image's
# unprivileged `node` user (uid 1000).
USER node

EXPOSE 3000

# Liveness, with node's own fetch (slim images have no curl or wget).
HEALTHCHECK --interval=15s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# node directly, not `npm start`: npm's `prestart` would rebuild (no compiler here), and npm
# would stand between the container runtime and node, so SIGTERM (graceful shutdown, up to 10 s
# for in-flight requests) would not reach the service directly. Give `docker stop` more than
# that: docker stop -t 15, or stop_grace_period in compose.
CMD ["node", "dist/server.js"]
