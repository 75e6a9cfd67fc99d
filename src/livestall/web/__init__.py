"""The web app: server-rendered pages (Jinja2), small JavaScript modules, five languages."""
