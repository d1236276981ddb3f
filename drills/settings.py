"""The settings the drill's processes run with: development settings, mail written to files.

Plain HTTP on loopback (production settings would mark the cookies Secure and redirect to HTTPS);
everything else comes from the environment drills.stack sets. Each sent email is one file in
DRILL_MAIL_DIR, so a drill counts what went out.
"""

from config.settings.dev import *  # noqa: F403
from config.settings.env import env_str

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = env_str("DRILL_MAIL_DIR")
