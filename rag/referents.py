"""Sentences that lean on the one before: "He said…", "This initiative…", "The company…".

Quoted alone, such a sentence leaves a reader asking who or what; the answerer quotes the
preceding sentence with it (still one exact span of the article) rather than name a referent
it would have to guess. The opening words are a closed list, checked by a test table.
"""

from __future__ import annotations

import re

_NOUNS = (
    "company|firm|government|administration|move|decision|plan|group|initiative|bill|law|"
    "deal|agency|report|measure|program|programme|proposal|policy|project|country|state|city|"
    "court|case|team|official|officials|man|woman|suspect|victim|lawmaker|lawmakers|"
    "president|minister|leader|network|platform|service|club|event|storm|attack|incident|"
    "vote|ruling|announcement|statement|letter|lawsuit|agreement|change|changes"
)
_REFERRING = re.compile(
    r"^[\"“‘'(]?(?:"
    r"(?:he|she|it|they|him|them|his|her|its|their|this|that|these|those|such)\b(?![-’'])"
    rf"|the\s+(?:same|latter|former|(?:{_NOUNS})\b)"
    r"|(?:but|however|yet|still|also|meanwhile|instead|then|there)\b\s*,?"
    r")",
    re.IGNORECASE,
)


def leans_on_previous(sentence: str) -> bool:
    """Does the sentence open with a word that refers to something said before it?"""
    return bool(_REFERRING.match(sentence.lstrip()))
