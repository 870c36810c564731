"""Evaluation of retrieval, answers and citations on newsrag's own QA sets and public
benchmarks (BEIR, SQuAD), in-process or against a running server: ``newsrag eval``."""
