"""Entity-name mechanism shared by the entities and normalise stages (layer 1).

Like `temporal/` for dates: the vocabularies are rule files (`rules/entities/`,
`rules/roles/`); this package compiles them (`lexicon`), proposes and vets candidate spans
(`candidates`), links abbreviations and surnames within a document (`linking`) and turns
the lexicon flags of token patterns into Matcher predicates (`patterns`).  The stage
modules `entities.py` and `normalise.py` only assemble these pieces.
"""
