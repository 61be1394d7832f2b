"""German information extraction pipeline: corpus folder -> normalised tables.

Stages (one module each): ingest -> tokenize -> entities -> dates -> figures ->
normalise -> write.  See README.md and docs/architecture.md.
"""

__version__ = "0.1.0"
CONTRACT_VERSION = "2"
