"""Interfaces to people and programs: the CLI (cli), the HTTP API (app, routes/, deps) and
the Slack bot (slack). Inside the package ``app`` is the top: it assembles the rest and
nothing but the CLI imports it, so no route or integration can reach back into it."""
