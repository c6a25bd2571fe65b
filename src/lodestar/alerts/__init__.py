"""Early warning: alert rules (config kind `alerts`), their evaluation over snapshots, alerts and their backtest."""
