"""Predictions trained on the company's own history: churn likelihood with its risk factors."""
