"""Seller insight: order lines in a columnar lake, insights over them in DuckDB, the
report, and the shop's NGSI-LD entities.

Modules: schema (columns and shared definitions), lake (files, imports, dedupe),
kinds (kind of product from a title), channels, products, timing, buyers, price, words,
creators, outlook (one insight each), report (all of them, as the documented JSON),
html / pdf / charts (the one-page report), entities (Shop, Product, SalesRecord).
"""

FORMATS = ("json", "html", "pdf")  #: what a report can be given as
LANGS = ("th", "en")  #: the languages of the report, Thai first
