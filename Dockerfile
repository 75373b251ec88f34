# Trunkline image: `docker build -t trunkline .`
# Node 22 LTS is the recommended runtime in production (package.json allows >= 20).

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
# flows/schema.json may be imported as JSON by the compiler.
COPY flows ./flows
# tsc -p tsconfig.build.json: src/ and migrations/ -> dist/src, dist/migrations
RUN npm run build

FROM node:22-slim AS runtime
ENV NODE_ENV=production
# espeak-ng renders text-to-speech prompts to WAV.
RUN apt-get update \
  && apt-get install -y --no-install-recommends espeak-ng \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time relative to the compiled modules: they must sit next to dist/.
COPY openapi.yaml ./
COPY flows ./flows
# Local state (the speech cache, served to Asterisk at /media/tts): a folder the unprivileged
# user owns, which docker-compose.yml mounts as a volume shared by the roles.
ENV DATA_DIR=/var/lib/trunkline
RUN mkdir -p /var/lib/trunkline && chown node:node /var/lib/trunkline
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js", "start"]
