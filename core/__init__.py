"""What every app shares and none owns: the domain errors and how the page and admin edges show them.

Imports nothing from the apps, so every layer may import it (docs/architecture.md).
"""
