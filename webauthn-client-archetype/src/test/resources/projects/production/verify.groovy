expect = [relyingPartyId: 'example.com', jwtIssuer: 'https://auth.example.com', jwtAudience: 'passkeys-production-api',
          jwtAlgorithm: 'ES256', exportPublicKey: true]
evaluate(new File(basedir, '../../verify-generated-project.groovy'))

// The apps and related origins reach the server's defaults (its smoke suite started the server with them), and the
// proxy passes their documents at the RP ID's host, which is not the server's.
def defaults = new File(context.projectDir as File, 'src/main/resources/webauthn-defaults.properties').text
assert defaults.contains('WEBAUTHN_ANDROID_APPS=com.example.passkeys\\=14\\:6d') : defaults
assert defaults.contains('WEBAUTHN_IOS_APPS=ABCDE12345.com.example.passkeys') : defaults
assert defaults.contains('WEBAUTHN_RELATED_ORIGINS=https\\://example.de') : defaults
def nginx = new File(context.projectDir as File, 'docker/nginx.conf').text
assert nginx.contains('server_name example.com;') : nginx
assert nginx.contains('location ~ ^/\\.well-known/(assetlinks\\.json|apple-app-site-association|webauthn)$ {') : nginx
