"""`paxmodel serve`: a local what-if page and JSON API over one scenario file.

`paxmodel.serve.workbench` computes (no web framework there); `paxmodel.serve.app` is the
Starlette app around it; `static/` holds the page (hand-written HTML, CSS and JavaScript,
served from here: no CDN, no external font). Needs the `serve` extra.
"""
