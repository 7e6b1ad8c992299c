"""Builds jwtx._jwtx by running CMake on the jwtx repository (no network: Debian's pybind11-dev,
python3-dev and the BoringSSL archive cmake/boringssl.cmake builds once into ~/.cache/jwtx).

    pip install --no-build-isolation bindings/python

The extension is the CMake target jwtx_python (bindings/python/CMakeLists.txt), built for the
interpreter running pip. JWTX_SOURCE_DIR overrides where the repository is (default: two levels
up from this file); JWTX_BUILD_DIR keeps the CMake build tree somewhere reusable.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = pathlib.Path(os.environ.get("JWTX_SOURCE_DIR", HERE.parent.parent)).resolve()


def project_version():
    text = (SOURCE / "CMakeLists.txt").read_text()
    return re.search(r"project\(jwtx VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = pathlib.Path(os.environ.get("JWTX_BUILD_DIR", pathlib.Path(self.build_temp) / "cmake"))
        build_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake", "-S", str(SOURCE), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython_EXECUTABLE={sys.executable}",
            "-DJWTX_TESTS=OFF", "-DJWTX_BENCH=OFF", "-DJWTX_TOOLS=OFF", "-DJWTX_PYTHON=ON",
        ]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        if shutil.which("ccache"):
            configure += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
        subprocess.run(configure, check=True)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "jwtx_python", "-j", jobs],
                       check=True)
        built = list((build_dir / "bindings" / "python" / "jwtx").glob("_jwtx*.so"))
        if len(built) != 1:
            raise RuntimeError(f"jwtx: expected one _jwtx*.so in {build_dir}, found {built}")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[0], target)


setup(
    name="jwtx",
    version=project_version(),
    description="Strict, fast JWT (JWS compact) verification over the jwtx C++ engine",
    license="See LICENSE in the jwtx repository",
    python_requires=">=3.9",
    packages=["jwtx"],
    package_data={"jwtx": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("jwtx._jwtx", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
