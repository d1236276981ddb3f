"""Running Stagegate as a service: health and readiness probes, metrics, request ids in the logs."""
