#!/usr/bin/env bash
# The main job: build the kit, generate a demo project from the archetype into a fresh directory, and set it up.
set -euo pipefail
cd "$(dirname "$0")"

kit_version=0.1.0-SNAPSHOT
echo "==> Building the kit (./mvnw install, tests skipped)"
./mvnw -B -q install -DskipTests -Dinvoker.skip=true

out="$PWD/target/demo/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
echo "==> Generating a project into $out/passkey-demo"
./mvnw -B -q org.apache.maven.plugins:maven-archetype-plugin:3.4.1:generate \
  -DarchetypeGroupId=io.github.webauthnkit -DarchetypeArtifactId=webauthn-client-archetype \
  -DarchetypeVersion="$kit_version" -DgroupId=com.example.passkeys -DartifactId=passkey-demo \
  -Dversion=1.0.0-SNAPSHOT -DinteractiveMode=false -DoutputDirectory="$out"

echo "==> Generated project: $out/passkey-demo"
ls -la "$out/passkey-demo"
