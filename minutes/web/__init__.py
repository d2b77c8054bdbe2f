"""`minutes serve`: the web app for clerks and reviewers (FastAPI, Jinja2 pages, htmx; routes over
minutes.service)."""
