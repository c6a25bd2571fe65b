"""Page and browser tests: a real server and headless Chromium."""
