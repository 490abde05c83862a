# The worker and the api share one image; the command picks the process.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
USER node
# api: node_modules/.bin/tsx src/api/main.ts · worker: node_modules/.bin/tsx worker/main.ts
CMD ["node_modules/.bin/tsx", "src/api/main.ts"]
