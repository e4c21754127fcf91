// Verify part of the check-secrets cases: every finding of secret-problems-setup.groovy, listed in one run.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
[
    'check-secrets found 8 problems:',
    "docker/secrets/postgres_password: weak password: it is 5 characters long; at least 24 are required.",
    "docker/secrets/redis_password: weak password: it uses only 2 distinct characters (a tiny alphabet)",
    "docker/secrets/jwt_signing_keys.json: missing key ring; run 'mvn webauthn-keys:generate-secrets' to create the first key.",
    "docker/secrets/postgres_password: tracked by git, so the secret is in the repository history. Run 'git rm --cached docker/secrets/postgres_password'",
    "docker/secrets/redis_password: accessible by group or others (rw-r--r--). Run 'chmod 600 docker/secrets/redis_password'.",
    "docker/secrets/redis_password: not covered by a .gitignore",
    "config/leaked.pem: holds a PEM private key.",
    "docker/docker-compose.yml: service 'postgres' passes POSTGRES_PASSWORD as a plain environment value",
].each { assertLog(it) }
