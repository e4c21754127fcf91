def server = System.properties.remove('it.jwks.server.' + basedir.name)
server?.stop(0)
