"""The cockpit: the home page after sign-in, composed from the domains' service functions."""
