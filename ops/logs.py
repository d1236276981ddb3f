def install_task_logging(app) -> None:
    """Placeholder: filled in with request ids carried into Celery tasks."""
