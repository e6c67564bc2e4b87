# One image for every Chartly process; SERVICE picks which one runs
# (gateway, registry, coordinator, aggregator, reporter, drone, migrate).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json turbo.json tsconfig.base.json tsconfig.json ./
COPY patches patches
COPY packages packages
COPY services services
COPY drone drone
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
COPY profiles profiles
COPY scripts/demo-source.mjs scripts/demo-source.mjs
COPY docker/entrypoint.sh /usr/local/bin/chartly
USER node
ENTRYPOINT ["chartly"]
