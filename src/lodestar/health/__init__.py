"""Health scores (健康分): models as configuration, scoring, explanations, history, backtests, editor."""
