# The edge proxy: edgeform's own reverse proxy, run from its process entry
# (`node dist/src/proxy/main.js --config <proxy-config.json>`), which reads the
# generated runtime config and never loads the CLI or the Pulumi SDK.
#
# Build context: the package root — a clone after `npm ci && npm run build`,
# or the package as `npm install edgeform` put it in node_modules/edgeform,
# whose own node_modules holds the runtime dependencies the package bundles
# (package.json bundleDependencies), so npm's hoisting cannot take them away:
#   docker build -f images/edge-proxy.Dockerfile -t edgeform/edge-proxy .
# It copies what is there and runs nothing inside the image, so it builds
# without network access beyond the base image and on a minimal base that
# only has node (edge-proxy.Dockerfile.dockerignore leaves out the Pulumi
# SDK, TypeScript and other build-time packages). No `# syntax=` line: that
# would make BuildKit fetch a frontend image from a registry.
#
# BASE_IMAGE: any image with Node.js 22 as `node` on PATH; pin it by digest
# (--build-arg BASE_IMAGE=node:22-bookworm-slim@sha256:…) for reproducible builds.
ARG BASE_IMAGE=node:22-bookworm-slim
FROM ${BASE_IMAGE}

ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY bin/ ./bin/
COPY dist/src/ ./dist/src/
COPY node_modules/ ./node_modules/

# The generated runtime config arrives at /etc/edgeform/proxy.json: uploaded
# into the container (Docker) or written by an init container (ECS).
# Unprivileged; Docker lets containers bind ports below 1024 without root.
USER 1000:1000
EXPOSE 8080 9901
ENTRYPOINT ["node", "/app/dist/src/proxy/main.js"]
CMD ["--config", "/etc/edgeform/proxy.json"]
