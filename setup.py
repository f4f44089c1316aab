"""The build step pyproject.toml cannot say: compile the interface's gettext catalogs
(`archive/translations/*/LC_MESSAGES/messages.po`) into the `.mo` files Flask-Babel reads,
so that an installed package never compiles them itself."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """Build the package, then compile each catalog beside its copy in the build."""

    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in Path("archive/translations").glob("*/LC_MESSAGES/messages.po"):
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as text, target.open("wb") as compiled:
                write_mo(compiled, read_po(text))


setup(cmdclass={"build_py": BuildWithCatalogs})
