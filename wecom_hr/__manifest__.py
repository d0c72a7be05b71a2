# -*- coding: utf-8 -*-
{
    "name": "WeCom Employees",
    "summary": "Tie Odoo employees to WeCom (企业微信) members: matching, optional creation, managers",
    "version": "11.0.1.0.0",
    "development_status": "Alpha",
    "category": "Human Resources",
    "website": "https://github.com/wecom-integration/wecom_integration",
    "author": "wecom_integration contributors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["wecom_integration", "hr"],
    "data": [
        "security/ir.model.access.csv",
        "wizards/wecom_employee_match_views.xml",
        "views/hr_employee_views.xml",
        "views/wecom_user_views.xml",
        "views/res_config_settings_views.xml",
    ],
}
