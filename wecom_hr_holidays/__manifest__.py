# -*- coding: utf-8 -*-
{
    "name": "WeCom Leave Approvals",
    "summary": "Approve or refuse Odoo leave requests from a WeCom (企业微信) card",
    "version": "11.0.1.0.0",
    "development_status": "Alpha",
    "category": "Human Resources",
    "website": "https://github.com/wecom-integration/wecom_integration",
    "author": "wecom_integration contributors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["wecom_integration", "hr_holidays"],
    "data": [
        "security/ir.model.access.csv",
        "views/hr_holidays_views.xml",
    ],
}
