"""The one engine for timed steps, and the worker that runs them (DESIGN.md, ADR 0007)."""
