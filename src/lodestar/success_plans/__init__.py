"""Success plans (CSM计划): each account's objectives and milestones (里程碑), templates, attainment."""
