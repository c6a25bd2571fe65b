"""Customer value reports (数据报告): quarterly and annual figures per account, the PDF, share links."""
