"""Feature requests (需求管理): recorded once, linked to the accounts that asked, answered on every change."""
