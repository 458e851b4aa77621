# Sandbox Bot image. `docker build -t sandbox-bot .` then see compose.yaml.
# The sources run through tsx (a runtime dependency), so there is no build step.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# git: the local provider clones sandboxes; tini: PID 1 that passes SIGTERM on
# to the bot (its graceful shutdown) and reaps the detached appservers' children.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    SBX_DATA_DIR=/var/lib/sandbox-bot
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json app.yml ./
COPY bin ./bin
COPY src ./src
COPY drizzle ./drizzle
RUN mkdir -p /var/lib/sandbox-bot && chown node:node /var/lib/sandbox-bot
USER node
EXPOSE 3000
VOLUME ["/var/lib/sandbox-bot"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "bin/sbx.js"]
# `start` runs web, GitHub App, Slack app and worker in one process; run
# `web` and `worker` as separate containers to scale them independently.
CMD ["start"]
