def install_heartbeat(app) -> None:
    """Placeholder: filled in with the worker heartbeat /readyz/ reads."""
