"""German information extraction pipeline: corpus folder -> normalised tables.

Stages (one module each): ingest -> tokenize -> entities -> dates -> figures ->
normalise -> write.  See README.md, "How the pipeline is built" (layers, where each rule lives).
"""

from .version import CONTRACT_VERSION, __version__  # noqa: F401

_API = {"extract", "load", "connect", "Pipeline"}


def __getattr__(name: str):
    """`pipeline.extract`, `pipeline.load`, `pipeline.connect`, `pipeline.Pipeline` (the
    Python API, pipeline/api.py), imported on first use so the CLI starts fast."""
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
