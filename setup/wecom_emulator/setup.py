"""The WeCom emulator as a package, so that any Python of the virtualenv imports it: Odoo's own
test runner (odoo --test-enable) as well as pytest. scripts/setup.sh installs it in editable
mode (wecom_emulator is a symlink to the checkout's ../../wecom_emulator)."""
import setuptools

setuptools.setup(
    name="wecom-emulator",
    version="1.0.0",
    description="A local emulator of the WeCom (企业微信) server API, for tests and development",
    license="LGPL-3",
    packages=["wecom_emulator"],
    python_requires=">=3.7",
    install_requires=["Werkzeug", "cryptography"],
    extras_require={"testing": ["responses"]},
    zip_safe=False,
)
