// The auth server: its JWKS at /.well-known/jwks.json; the build gets its URL as -Dauth.server.url, as a team would
// pass its staging server's.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def url = startJwksServer(new File(itSources, 'keys/jwks.json').text, '/.well-known/jwks.json')
context.get('userProperties').put('auth.server.url', url)
true
