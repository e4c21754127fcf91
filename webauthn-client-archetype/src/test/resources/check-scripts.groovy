// Checks of a generated project's scripts, evaluated by verify-generated-project.groovy with 'scriptsDir' (a Path) set.
// They must run on macOS (bash 3.2, BSD tools) as well as Linux: shellcheck finds the general mistakes, and the
// constructs below, which shellcheck accepts, are refused because bash 3.2 or the BSD tools lack them.
import java.nio.file.Files

def scripts = Files.list(scriptsDir).withCloseable { s -> s.filter { it.toString().endsWith('.sh') }.sorted().toList() }
assert !scripts.isEmpty(): "no scripts in ${scriptsDir}"

def shellcheck
try {
    shellcheck = new ProcessBuilder(['shellcheck', '--shell=bash', '--severity=info'] + scripts*.toString())
            .redirectErrorStream(true).start()
} catch (IOException e) {
    throw new AssertionError('shellcheck is not installed (apt-get install shellcheck); the scripts must be checked: '
            + e.message)
}
def findings = shellcheck.inputStream.text
assert shellcheck.waitFor() == 0: "shellcheck reports:\n${findings}"

def unportable = [
        (~/\b(mapfile|readarray)\b/)                          : 'mapfile/readarray (bash 4)',
        (~/\b(declare|local|typeset)\s+-[a-zA-Z]*[An]/)       : 'associative arrays or namerefs (bash 4)',
        (~/\$\{[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?(,,?|\^\^?)\}/): 'case conversion ${x,,} / ${x^^} (bash 4)',
        (~/\[\[\s+-v\s/)                                      : '[[ -v name ]] (bash 4.2)',
        (~/\|&|&>>|;;&|\bcoproc\b|\bwait\s+-n\b|\$\{[A-Za-z_]+@[QEPAa]\}|\bEPOCH(SECONDS|REALTIME)\b|\bBASHPID\b/):
                '|&, &>>, ;;&, coproc, wait -n, ${x@Q}, EPOCHSECONDS or BASHPID (bash 4 and later)',
        (~/(^|[\s;&|(])timeout\s/)                            : 'timeout (GNU coreutils, not on macOS)',
        (~/\bsed\s+(-[a-zA-Z]*\s+)*-(i|r)\b|\bgrep\s+(-[a-zA-Z]*\s+)*-[a-zA-Z]*P|\b(tac|readlink\s+-f|date\s+-d|stat\s+-c|xargs\s+-r|base64\s+-w)\b/):
                'a GNU-only tool or option (sed -i/-r, grep -P, tac, readlink -f, date -d, stat -c, xargs -r, base64 -w)',
]
def problems = []
scripts.each { script ->
    def lines = script.toFile().readLines()
    // "${a[@]}" of an empty array fails under set -u in bash 3.2: arrays that start empty are expanded as ${a[@]+"${a[@]}"}.
    def emptyArrays = lines.collect { (it =~ /^\s*([A-Za-z_][A-Za-z0-9_]*)=\(\)/) }.findAll { it.find() }.collect { it.group(1) }
    lines.eachWithIndex { line, i ->
        def code = line.replaceFirst(/^\s*#.*/, '')
        unportable.each { pattern, what ->
            if (code =~ pattern) {
                problems << "${script.fileName}:${i + 1}: ${what}: ${line.trim()}"
            }
        }
        emptyArrays.each { name ->
            if (code.replace('${' + name + '[@]+"${' + name + '[@]}"}', '').contains('${' + name + '[@]}')) {
                problems << "${script.fileName}:${i + 1}: \${${name}[@]} of an array that may be empty (bash 3.2 with" +
                        " set -u): write \${${name}[@]+\"\${${name}[@]}\"}: ${line.trim()}"
            }
        }
    }
}
assert problems.isEmpty(): "scripts that would not run on macOS:\n  " + problems.join('\n  ')
println "Checked ${scripts*.fileName}: shellcheck clean, no bash-4 or GNU-only constructs"
true
