"""Example plugin stages (off by default; list them in a configuration to use them)."""
