"""Domain operations: each takes a Session and never makes one."""
