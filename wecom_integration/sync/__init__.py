"""Bulk writing of the WeCom mirror: diff by WeCom id, write only what changed, in few queries."""
