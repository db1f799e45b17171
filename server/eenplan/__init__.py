"""eenplan: the secure plan server for 1Gezin1Plan1Regisseur."""

__version__ = "0.1.0"
