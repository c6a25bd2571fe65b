"""Notifications: channels (e-mail, Slack, 钉钉, 飞书, 企业微信, webhook), preferences, outbox, worker."""
