// In every round the ring lock serializes the three rotations, so the ring ends with all three keys. The exports are
// shared too: whichever rotation writes them last, they must hold every key of the resulting ring.
evaluate(new File(basedir, '../../../src/it/common.groovy'))
def rounds = (1..5).collect { "round-${it}" }
def stale = rounds.findAll { dir ->
    def keys = json("${dir}/${ringPath}").keys // ordered by nbf: the first key, then the two staged ones
    assert keys*.kid.unique().size() == 3: "${dir}: a concurrent rotation lost a key"
    assert mode("${dir}/${ringPath}") == 'rw-------'
    assert keys[0].exp && keys[1].exp && !keys[2].exp: "${dir}: every superseded key needs an exp"
    assertPemIs("${dir}/${pemPath}", keys[0])
    json("${dir}/${jwksPath}").keys*.kid != keys*.kid
}
assert stale.isEmpty(): "the JWKS lacks keys of the ring in ${stale}: a rotation wrote the exports of the ring" +
        ' it had made after another rotation had added a key'
assert logLines().count { it == '[INFO] Using the MultiThreadedBuilder implementation with a thread count of 3' } == 5
assert logLines().count { it == '[INFO] BUILD SUCCESS' } == 5
true
