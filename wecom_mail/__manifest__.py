# -*- coding: utf-8 -*-
{
    "name": "WeCom Mail",
    "summary": "Activities and, on request, Odoo notifications reach their assignees on WeCom (企业微信)",
    "version": "11.0.1.0.0",
    "development_status": "Alpha",
    "category": "Discuss",
    "website": "https://github.com/wecom-integration/wecom_integration",
    "author": "wecom_integration contributors",
    "license": "LGPL-3",
    "installable": True,
    "depends": ["wecom_integration", "mail"],
    "data": [
        "security/ir.model.access.csv",
        "views/res_users_views.xml",
    ],
}
