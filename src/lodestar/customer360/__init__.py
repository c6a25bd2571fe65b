"""The customer 360 (the account page): composed above the domains, one panel from each."""
