"""Interfaces to people and programs: the CLI now, the HTTP API and the Slack bot later."""
