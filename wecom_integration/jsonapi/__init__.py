"""The inbound JSON API under /api/v1/wechat/ (validation, answers); its service is the
wecom.json.api model and its routes are controllers/api.py. Not to be confused with wecom/, the
outbound WeCom client."""
