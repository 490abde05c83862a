# syntax=docker/dockerfile:1
# The worker and the api share one image; the command picks the process (docker-compose.yml):
#   api: node dist/src/api/main.js · worker: node dist/worker/main.js · migrations: node dist/src/db/migrate-cli.js
# Node 26 is the current LTS line ("Lithium", LTS since 2026-10-28).

# 1. Build: compile TypeScript to JavaScript, copy the page assets, bundle the workflows once.
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY scripts/build-workflow-bundle.ts ./scripts/
RUN npx tsc -p tsconfig.build.json \
  && cp -r src/pages/assets dist/src/pages/assets \
  && node --import tsx scripts/build-workflow-bundle.ts dist/workflow-bundle.js

# 2. Runtime: production dependencies only (no TypeScript, tsx, embedded-postgres, jest or
#    playwright: they are devDependencies), the compiled code and the prebuilt bundle.
FROM node:26-trixie-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 9464 9465
CMD ["node", "dist/src/api/main.js"]
