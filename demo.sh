#!/usr/bin/env bash
# The main job: build the kit, generate a project from the archetype into a fresh directory, build it, and start its
# passkey server on the embedded default (file database, in-memory ceremony state). Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")"

kit_version=0.1.0-SNAPSHOT
port="${DEMO_PORT:-8080}"

echo "==> Building the kit (tests skipped; './mvnw -B install' runs them)"
./mvnw -B -q install -DskipTests -Dinvoker.skip=true -Darchetype.test.skip=true

out="$PWD/target/demo/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
echo "==> Generating passkey-demo into $out"
./mvnw -B -q org.apache.maven.plugins:maven-archetype-plugin:3.4.1:generate \
  -DarchetypeGroupId=io.github.webauthnkit -DarchetypeArtifactId=webauthn-client-archetype \
  -DarchetypeVersion="$kit_version" -DgroupId=com.example.passkeys -DartifactId=passkey-demo \
  -Dversion=1.0.0-SNAPSHOT -DserverUrl="http://localhost:$port" -DinteractiveMode=false -DoutputDirectory="$out"

cd "$out/passkey-demo"
echo "==> Building the generated project (./mvnw package: the jar and its smoke suite, nothing but a JDK needed)"
./mvnw -B -q package

echo "==> Starting the passkey server: open http://localhost:$port/ in a browser (Ctrl-C stops it)"
echo "    project: $out/passkey-demo   public key: config/webauthn-public-key.pem   JWKS: http://localhost:$port/.well-known/jwks.json"
LOG_FORMAT=TEXT exec java -jar target/passkey-demo.jar
