// After the second run: nothing changed, so both files keep their bytes and their (back-dated) mtime.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
assertLine("[INFO] Unchanged: public key ${absolute(pemPath)} (${keyA})")
assertLine("[INFO] Unchanged: JWKS ${absolute(jwksPath)} (${keyA}, ${keyB})")
[pemPath, jwksPath].each {
    assert Arrays.equals(file(it).bytes, context.get(it)): "${it} changed"
    assertBackdated(it)
}
true
