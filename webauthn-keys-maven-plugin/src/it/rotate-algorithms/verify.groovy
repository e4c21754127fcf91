evaluate(new File(basedir, '../../../src/it/common.groovy'))
def expected = [es256: [kty: 'EC', alg: 'ES256', crv: 'P-256'], es384: [kty: 'EC', alg: 'ES384', crv: 'P-384'],
                eddsa: [kty: 'OKP', alg: 'EdDSA', crv: 'Ed25519'], ps256: [kty: 'RSA', alg: 'PS256']]
expected.each { dir, want ->
    def key = json("${dir}/ring.json").keys[0]
    want.each { k, v -> assert key[k] == v: "${dir}: ${k} is ${key[k]}, expected ${v}" }
    assert mode("${dir}/ring.json") == 'rw-------'
    openssl("${dir}/key.pem")
    assert json("${dir}/jwks.json").keys*.kid == [key.kid]
}
assert Base64.urlDecoder.decode(json('ps256/ring.json').keys[0].n).length == 384: 'rsaBits=3072 not applied'
true
