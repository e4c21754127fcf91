evaluate(new File(basedir, '../../../src/it/common.groovy'))
assert jwksProblem() == "key ${keyA} carries private key material (d); a published JWKS must hold public keys only," +
        ' and whoever serves this must treat that key as compromised.'
true
