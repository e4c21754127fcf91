expect = [relyingPartyId: "localhost", jwtIssuer: "webauthn-server", jwtAlgorithm: "RS256", exportPublicKey: false, publicKeyPath: "config/webauthn-public-key.pem", jwtAudience: 'passkeys-no-examples-api', examples: []]
evaluate(new File(basedir, '../../verify-generated-project.groovy'))
