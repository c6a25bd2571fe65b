"""The channel kinds: secrets kept sealed, each platform's signature, message format and delivery."""
