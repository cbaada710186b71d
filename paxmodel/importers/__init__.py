"""Importers: public tables (USGS, CEPII BACI, ...) turned into scenario YAML fragments.

One module per source; `fragment` holds what they share (the fragment, its YAML text, the
summary of skipped rows, located errors) and `countries` maps country names and numeric
codes to ISO alpha-2 codes with pycountry (the optional `import` extra).
"""
