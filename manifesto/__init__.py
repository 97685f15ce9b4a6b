"""The crowd-sourced manifesto: clauses, amendments, votes, rankings and versions."""
