"""Fault drills (``make drill``): the production shape on a private PostgreSQL and Redis, broken on purpose.

``python -m drills`` starts its own PostgreSQL cluster, Redis, two gunicorn processes, two Celery
workers and beat on free loopback ports (drills.stack), runs each drill against them, prints what it
did and found, tears everything down and exits non-zero if a drill failed. See docs/operations.md,
"Fault drills", and docs/decisions/fault-drills.md.
"""
