expect = [relyingPartyId: 'example.com', jwtIssuer: 'https://auth.example.com', jwtAudience: 'passkeys-production-api',
          jwtAlgorithm: 'ES256', exportPublicKey: true]
evaluate(new File(basedir, '../../verify-generated-project.groovy'))
