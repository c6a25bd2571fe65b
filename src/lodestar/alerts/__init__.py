"""Early warning: alert rules (config kind `alerts`), their evaluation, the alerts and their backtest."""
