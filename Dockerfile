# One image for both roles: `node dist/server.js` (the default) or
# `node --max-semi-space-size=8 dist/worker.js` (docker-compose.yml picks the role with `command:`;
# the worker's young generation is smaller: docs/benchmarks.md, "Worker memory").

# Build stage: every dependency, then `npm run build` once: dist/ holds the entry points and the
# workflow bundle, prebuilt so that no worker bundles at start.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# Runtime stage: production dependencies only and dist/; no tsx, no runtime transpiling.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# A volume mounted here starts with this owner (the dev encryption key lives here when ENCRYPTION_KEY is unset).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# The API's /health on PORT; a worker's on WORKER_HEALTH_PORT (set it to run the image as a worker).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:${WORKER_HEALTH_PORT:-${PORT:-8080}}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/server.js"]
