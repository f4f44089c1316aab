"""The web archive: `app.make_app` and its blueprints, each route a few lines over the
library.

`pages` (the home page, search, a testimony's page, citations, JSON), `patterns`
(comparisons, with `heatmap`), `harvesting` (OAI-PMH, the sitemap), and in private mode
`editor` (the record form, with `forms`) and `history`. `facets` computes the facet
sidebar and charts as data for dumb templates; `i18n` gives the interface in English and
Korean. Only this wing touches Flask's `request` and `current_app`.
"""
