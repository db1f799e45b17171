"""The pure domain of eenplan: households, betrokkenen, plans, versions, diffs.

Nothing in this package performs I/O or imports aiohttp, SQLAlchemy or gnupg.
"""
