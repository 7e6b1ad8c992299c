"""Markers for the parts that need features merged from other branches: a CI that lacks one can
deselect its tests with -m "not needs_revocation" (tests/CMakeLists.txt runs everything)."""


def pytest_configure(config):
    config.addinivalue_line("markers",
                            "needs_remote_jwks: needs remote_jwks in jwtx serve (wt-remote)")
    config.addinivalue_line("markers",
                            "needs_revocation: needs Redis revocation in jwtx serve (wt-metrics)")
