"""Local development: DEBUG on, a fixed (not random) insecure key."""

from .base import *  # noqa: F403
from .env import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
# A fixed, obviously insecure key so sessions survive restarts in dev;
# production.py refuses to start without a real one.
SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-do-not-use-in-production")
