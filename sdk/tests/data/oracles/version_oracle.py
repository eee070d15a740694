"""Batch version-comparison oracle for sdk/tests/version_oracles.

Usage: <python> version_oracle.py SCHEME, one request per stdin line, fields
tab-separated; one answer line per request on stdout:
  cmp  A B          -> -1 / 0 / 1, or "!message" when the tool rejects a version
  norm A            -> the tool's canonical string, or "!message"   (pep440)
  valid A           -> "ok" or "!message"                           (semver)
  rpm  E V R E V R  -> -1 / 0 / 1 from rpm.labelCompare; an empty E or R is None

Schemes and the interpreter they need:
  dpkg   apt_pkg (Debian python3-apt)         /usr/bin/python3
  rpm    rpm     (Debian python3-rpm)         /usr/bin/python3
  pep440 packaging.version (PyPI packaging)   oracle venv
  semver semantic_version + semver (PyPI)     oracle venv
  apk    univers AlpineLinuxVersion (PyPI)    oracle venv
  maven  univers MavenVersion (PyPI)          oracle venv
  gem    univers RubygemsVersion (PyPI)       oracle venv
Exit status 3 with a message on stderr when the module is missing.
"""
import sys

INSTALL = "run scripts/deps/version-oracles.sh"


def need(module, package):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        sys.stderr.write(
            f"oracle module {module!r} missing for {sys.executable} "
            f"(install {package}; {INSTALL}): {e}\n"
        )
        sys.exit(3)


def sign(n):
    return (n > 0) - (n < 0)


def dpkg():
    apt_pkg = need("apt_pkg", "Debian package python3-apt")
    apt_pkg.init()
    return {"cmp": lambda a, b: sign(apt_pkg.version_compare(a, b))}


def rpm():
    rpm = need("rpm", "Debian package python3-rpm")

    def label(e, v, r):
        return (e or None, v, r or None)

    return {"rpm": lambda e1, v1, r1, e2, v2, r2: sign(rpm.labelCompare(label(e1, v1, r1), label(e2, v2, r2)))}


def pep440():
    version = need("packaging.version", "PyPI package packaging")
    V = version.Version
    return {
        "cmp": lambda a, b: sign((V(a) > V(b)) - (V(a) < V(b))),
        "norm": lambda a: str(V(a)),
    }


def semver():
    sv = need("semantic_version", "PyPI package semantic_version")
    pysemver = need("semver", "PyPI package semver")

    def cmp(a, b):
        # semantic_version refuses to order versions differing only in build
        # metadata; precedence (semver.org item 11) ignores build, so drop it.
        x = sv.Version(a).truncate("prerelease")
        y = sv.Version(b).truncate("prerelease")
        first = sign((x > y) - (x < y))
        second = pysemver.Version.parse(a).compare(b)
        if first != sign(second):
            raise ValueError(f"semantic_version says {first}, semver says {second}")
        return first

    def valid(a):
        sv.Version(a)
        return "ok"

    return {"cmp": cmp, "valid": valid}


def apk():
    versions = need("univers.versions", "PyPI package univers")
    A = versions.AlpineLinuxVersion

    def cmp(a, b):
        x, y = A(a), A(b)
        return sign((x > y) - (x < y))

    return {"cmp": cmp}


def univers_cmp(class_name):
    versions = need("univers.versions", "PyPI package univers")
    V = getattr(versions, class_name)

    def cmp(a, b):
        x, y = V(a), V(b)
        return sign((x > y) - (x < y))

    return {"cmp": cmp}


def maven():
    return univers_cmp("MavenVersion")


def gem():
    return univers_cmp("RubygemsVersion")


def main():
    handlers = {
        "dpkg": dpkg,
        "rpm": rpm,
        "pep440": pep440,
        "semver": semver,
        "apk": apk,
        "maven": maven,
        "gem": gem,
    }[sys.argv[1]]()
    out = sys.stdout
    for line in sys.stdin:
        op, *args = line.rstrip("\n").split("\t")
        try:
            answer = handlers[op](*args)
        except Exception as e:  # the tool rejected the input: report, go on
            answer = "!" + (str(e).replace("\n", " ") or type(e).__name__)
        out.write(f"{answer}\n")
    out.flush()


if __name__ == "__main__":
    main()
