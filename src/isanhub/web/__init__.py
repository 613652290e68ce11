"""The pages: the sandbox at a glance for planners, and simple Thai pages for sellers and
farmers, served by the same process as the API and reading the same data through it.

Modules: i18n (the translation catalogue, Thai first, and Thai numbers and dates),
assets (the package's own scripts, styles and fonts, never a CDN), pages (one handler
per page, rendered from templates/ with Jinja2), routes (what the app mounts). Each
page's data is fetched by its script from the public APIs (NGSI-LD and /hub/v1), so a
page shows nothing the API would not give to the same caller.
"""
