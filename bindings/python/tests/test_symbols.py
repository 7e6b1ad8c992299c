"""The extension carries BoringSSL inside: no OpenSSL-named symbol exported or imported, and
PyInit__jwtx is the only symbol it exports."""

import subprocess

import jwtx._jwtx
from conftest import REPO


def test_no_crypto_symbols_cross_the_module_boundary():
    out = subprocess.run([str(REPO / "tests/symbols/check_symbols.sh"), jwtx._jwtx.__file__],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "no crypto symbols" in out.stdout


def test_only_the_init_function_is_exported():
    out = subprocess.run(["readelf", "--dyn-syms", "-W", jwtx._jwtx.__file__],
                         capture_output=True, text=True, check=True)
    defined = set()
    for line in out.stdout.splitlines():
        f = line.split()
        # Num: Value Size Type Bind Vis Ndx Name; defined = Ndx not UND, global or weak.
        if len(f) >= 8 and f[4] in ("GLOBAL", "WEAK") and f[6] != "UND":
            defined.add(f[7].split("@")[0])
    assert defined == {"PyInit__jwtx"}
