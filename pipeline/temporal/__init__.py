"""The date stage's machinery: rule compilation (`grammar`), detection and normalisation
(`extract`) and TIMEX3 values (`timex`).  The stage module is `pipeline.dates`; the rules
are data in `pipeline/rules/dates/`."""
