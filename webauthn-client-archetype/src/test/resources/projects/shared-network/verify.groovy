expect = [relyingPartyId: "localhost", jwtIssuer: "webauthn-server", jwtAlgorithm: "RS256", exportPublicKey: true, publicKeyPath: "config/webauthn-public-key.pem", jwtAudience: 'passkeys-shared-api']
evaluate(new File(basedir, '../../verify-generated-project.groovy'))
