"""`minutes serve`: the web app for clerks and reviewers (FastAPI routes over minutes.service, Jinja2 pages).

static/htmx.min.js is htmx 2.0.11, unchanged, from `npm pack htmx.org@2` (sha256 d6fdc75f204e6bdefa99b69bf1e6d4ac
69b8a364f77929f45c13476b4000f717); licence BSD-0, in static/htmx.LICENSE.txt. No other third-party file is served.
"""
