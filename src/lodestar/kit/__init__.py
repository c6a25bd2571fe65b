"""Small generic pieces shared by every domain; imports no domain."""
