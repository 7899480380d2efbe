"""Packaging for d2st_nb: everything is read from settings.ini (the nbdev 2 layout)."""
import os
from configparser import ConfigParser

import setuptools
from setuptools.command.build_py import build_py

cfg = ConfigParser(delimiters=["="])
cfg.read("settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]

licenses = {"apache2": "Apache-2.0"}   # settings.ini's name -> the SPDX expression (license classifiers are deprecated)
statuses = ["1 - Planning", "2 - Pre-Alpha", "3 - Alpha", "4 - Beta", "5 - Production/Stable"]
py_versions = "3.9 3.10 3.11 3.12 3.13".split()

requirements = cfg.get("requirements", "").split()
lessons_requirements = cfg.get("lessons_requirements", "").split()
dev_requirements = cfg.get("dev_requirements", "").split()
lic = licenses[cfg["license"]]
min_python = cfg["min_python"]
console_scripts = cfg.get("console_scripts", "").split()



# The split lists and reference tables are data folders inside the package: declared as (namespace) packages so
# that setuptools ships them without warning that a folder "would be ignored".
packages = setuptools.find_namespace_packages(include=["d2st_nb", "d2st_nb.*"], exclude=["*.__pycache__"])


class BuildPyWithData(build_py):
    """Copy the repository's top-level `data_samples/` (the bundled videos and image model) into the built package
    as `d2st_nb/data_samples/`, so a wheel carries it; git keeps one copy, at the top level. An editable install
    reads the repository's folder directly and needs no copy."""
    def run(self):
        super().run()
        if not getattr(self, "editable_mode", False) and os.path.isdir("data_samples"):
            self.copy_tree("data_samples", os.path.join(self.build_lib, "d2st_nb", "data_samples"))


setuptools.setup(
    cmdclass={"build_py": BuildPyWithData},
    name=cfg["lib_name"],
    version=cfg["version"],
    license=lic,
    classifiers=[
        "Development Status :: " + statuses[int(cfg["status"])],
        "Intended Audience :: " + cfg["audience"].title(),
        "Natural Language :: " + cfg["language"].title(),
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ]
    + ["Programming Language :: Python :: " + v for v in py_versions[py_versions.index(min_python):]],
    url=cfg["git_url"],
    packages=packages,
    # `{"": "."}` makes an editable install a plain path entry for the repository (not an import hook): a folder
    # named d2st_nb in the working directory (the clone itself, seen from its parent) then cannot shadow the package.
    package_dir={"": "."},
    include_package_data=True,
    package_data={"d2st_nb.splits": ["README.md"], "d2st_nb.reference": ["*.tsv", "README.md"],
                  **{p: ["*.txt"] for p in packages if p.startswith("d2st_nb.splits.")}},
    install_requires=requirements,
    extras_require={"lessons": lessons_requirements, "dev": dev_requirements + lessons_requirements},
    python_requires=">=" + min_python,
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    zip_safe=False,
    entry_points={"console_scripts": console_scripts, "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    author=cfg["author"],
    author_email=cfg["author_email"],
    description=cfg["description"],
    keywords=cfg["keywords"],
)
