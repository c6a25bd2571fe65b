"""Win-back: the window after a churn (a playbook chosen by the churn reason), the sales lead pool after it,
and the churn survey (流失调研) with its one-use signed link."""
