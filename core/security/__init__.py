"""Who is asking and what they may see: passwords, sign-in, tokens, CSRF, roles, region scope."""
