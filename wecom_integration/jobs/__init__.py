"""Claiming, running and taking over background jobs (wecom.job); see models/wecom_job.py."""
