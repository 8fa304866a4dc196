"""The index's search kernel, the one compiled part (everything else is in pyproject.toml).

Optional: without a C compiler the package still installs, and the same search runs
in numpy, several times slower at millions of hashes.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("marsad.core.matching._mih", ["src/marsad/core/matching/_mih.c"],
                             extra_compile_args=["-O3"], optional=True)])
