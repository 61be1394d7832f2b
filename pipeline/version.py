"""The package and output-contract versions (a leaf module: every layer may import it)."""

__version__ = "0.1.0"
CONTRACT_VERSION = "2"
