"""Demo content for Stagegate, built through the same services as the pages.

``python manage.py seed_demo`` (run by ``make run``) creates whatever is missing and leaves what
exists alone, so a second run creates nothing and changes nothing and edits made while demoing
survive. Reference data (review functions, matrices, frameworks, groups) comes from the other
apps' migrations; this app adds only demo content and has no models. It imports every other app
and nothing imports it.
"""
