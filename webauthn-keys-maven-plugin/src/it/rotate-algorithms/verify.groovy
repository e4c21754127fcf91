evaluate(new File(basedir, '../../../src/it/common.groovy'))
def expected = [
        es256: [kty: 'EC', alg: 'ES256', crv: 'P-256'],
        es384: [kty: 'EC', alg: 'ES384', crv: 'P-384'],
        eddsa: [kty: 'OKP', alg: 'EdDSA', crv: 'Ed25519'],
        ps256: [kty: 'RSA', alg: 'PS256'],
]
expected.each { dir, want ->
    def keys = json("${dir}/ring.json").keys
    assert keys.size() == 1
    def key = keys[0]
    want.each { member, value -> assert key[member] == value: "${dir}: ${member} is ${key[member]}, expected ${value}" }
    assert key.use == 'sig' && key.d
    assert mode("${dir}/ring.json") == 'rw-------'
    assertLine("[INFO] Wrote ${absolute("${dir}/ring.json")}: new ${want.alg} key ${key.kid} signs now.")
    assertPemIs("${dir}/key.pem", key)
    def jwks = json("${dir}/jwks.json")
    assert jwks.keys*.kid == [key.kid]
    want.each { member, value -> assert jwks.keys[0][member] == value }
    assertPublicJwks(jwks)
}
def modulus = new BigInteger(1, Base64.urlDecoder.decode(json('ps256/ring.json').keys[0].n))
assert modulus.bitLength() == 3072: 'rsaBits was not applied'
assert !file('docker').exists(): 'the default ring location was written although ringFile was set'
true
