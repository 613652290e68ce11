"""One handler per page: the language, the template, the texts the page's script needs.

Pages are shells: their script fetches the data from the APIs, so what a page shows is
what the API gives the same caller. The language is ?lang= (remembered in a cookie),
else Thai.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from isanhub.api.hub import Hub
from isanhub.insight.scorecard import pilot_provinces
from isanhub.web import i18n

PAGES = ("overview", "explore", "sellers", "farmers")
PATHS = {"overview": "/", "explore": "/explore", "sellers": "/sellers", "farmers": "/farmers"}
#: pages never load anything from elsewhere, and no site (this one included) shows them
#: in a frame; the dispatcher adds the headers every response carries (api.asgi:
#: X-Content-Type-Options, Referrer-Policy, X-Frame-Options)
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'",
}


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("isanhub.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: Request, page: str, **context: Any) -> Response:
    lang = i18n.pick(request.query_params.get("lang"), request.cookies.get("lang"))
    t = i18n.translator(lang)
    script_texts = {k: v for k, v in i18n.catalogue(lang).items() if k.split(".")[0] in
                    ("common", page)}  # fmt: skip
    provinces = [
        {"key": a.key, "name": a.name_th if lang == "th" else a.name_en, "en": a.name_en}
        for a in pilot_provinces()
    ]
    boot = {"lang": lang, "page": page, "texts": script_texts, "provinces": provinces}
    # the boot JSON sits in a <script> element: "</" cannot end it early
    html = (
        environment()
        .get_template(f"{page}.html")
        .render(
            t=t,
            lang=lang,
            page=page,
            paths=PATHS,
            other="en" if lang == "th" else "th",
            boot=orjson.dumps(boot).decode().replace("</", "<\\/"),
            provinces=provinces,
            **context,
        )
    )
    response = HTMLResponse(html, headers=HEADERS)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


def handler(page: str) -> Any:
    async def endpoint(hub: Hub, request: Request) -> Response:
        return render(request, page)

    return endpoint
