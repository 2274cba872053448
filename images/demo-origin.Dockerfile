# The demo origin (`edgeform origin`): says which replica answered, and sets
# cache headers, ETags, latency and failures on demand (see `edgeform origin --help`).
# It listens on $PORT (default 8080) and names itself from $EDGEFORM_REPLICA,
# which the BackendFleet component sets per replica.
#
# It is published to no registry: a docker target whose fleet names the image
# edgeform/demo-origin:<tag> has the stack build it from this file.
# Build context: the package root (a built clone, or the installed package,
# as for edge-proxy.Dockerfile); no network is needed beyond the base image:
#   docker build -f images/demo-origin.Dockerfile -t edgeform/demo-origin:0.1.0 .
ARG BASE_IMAGE=node:22-bookworm-slim
FROM ${BASE_IMAGE}

ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY package.json ./
COPY bin/ ./bin/
COPY dist/src/ ./dist/src/
COPY node_modules/ ./node_modules/

USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/edgeform.js"]
CMD ["origin"]
