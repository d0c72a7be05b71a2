# -*- coding: utf-8 -*-
{
    "name": "WeCom Integration",
    "summary": "Mirror the WeCom (企业微信) directory into Odoo and send WeCom app messages",
    "version": "11.0.1.0.0",
    "development_status": "Alpha",
    "category": "Human Resources",
    "website": "https://github.com/wecom-integration/wecom_integration",
    "author": "wecom_integration contributors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "external_dependencies": {"python": ["requests", "cryptography"]},
    "depends": ["base", "base_setup", "web"],
    "data": [
        "security/wecom_security.xml",
        "security/ir.model.access.csv",
        "views/wecom_menus.xml",
        "views/res_config_settings_views.xml",
        "wizards/wecom_connection_test_views.xml",
    ],
}
