"""Which language a question is written in, cheaply: the share of its words that are each
language's commonest function words.

The index and both models (MiniLM embeddings, the answer model) are English-only, so a
question in Spanish or German matches English articles only through the names it shares
with them, and usually abstains. Saying "the index is English-only" tells the asker what to
change; "the articles don't cover this" would send them away. Function words suffice for a
question of five or more words and cost microseconds; nothing is downloaded.
"""

from __future__ import annotations

import re


def _table(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Frequent function and question words, per language. Words common to several languages
# ("a", "de", "que", "in") count for each of them; the totals decide.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": _table(
        "the a an of in on to for with about from by at and or is are was were be been has have "
        "had do does did what who whom whose when where why how which that this these those it "
        "he she they his her their its say said says will would can could than after before"
    ),
    "es": _table(
        "el la los las de del en y un una unos unas que qué quién quiénes cuándo dónde por porqué "
        "cómo cuál cuáles cuánto cuántos cuántas es son fue fueron ha han sobre dijo para con al "
        "se su sus lo le este esta estos esas ese después antes entre según muy más también"
    ),
    "de": _table(
        "der die das den dem des und ist sind war waren hat haben hatte ein eine einen einem "
        "einer was wer wen wem wann wo warum wie welche welcher welches im zu zum zur mit auf "
        "über für von vom sagte gesagt nicht wurde wurden werden nach vor bei aus dass sich "
        "sein seine ihr ihre es er sie auch"
    ),
    "fr": _table(
        "le la les des du de un une et est sont a ont été était que qui quoi quand où pourquoi "
        "comment quel quelle quels quelles combien dans sur pour avec au aux dit ce cette ces "
        "il elle ils elles son sa ses leur leurs après avant entre selon pas plus qu l d"
    ),
    "it": _table(
        "il lo la gli le di del della dei degli delle un una uno e è sono ha hanno che chi cosa "
        "quando dove perché come quale quali quanto quanti in su sul sulla per con al alla detto "
        "ha detto questo questa quello suo sua loro dopo prima tra secondo non anche l"
    ),
    "pt": _table(
        "o a os as de do da dos das em no na nos nas um uma e é são foi foram tem têm que quem "
        "quando onde porque por como qual quais quanto quantos sobre para com ao aos disse "
        "seu sua seus suas este esta esse essa isso depois antes entre segundo não também "
        "mais"
    ),
}
NAMES = {
    "en": "English",
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "pt": "Portuguese",
}
MIN_WORDS = 3  # shorter questions are too short to tell: taken as English
MIN_SHARE = 0.25  # of a question's words that must be the other language's function words

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def detect(text: str) -> str:
    """The language code of ``text`` ("en" when it is English, too short to tell, or no
    listed language wins clearly: names and numbers alone are taken as English)."""
    words = [w.lower() for w in _WORD.findall(text.replace("’", "'").replace("'", " "))]
    if len(words) < MIN_WORDS:
        return "en"
    hits = {lang: sum(w in table for w in words) for lang, table in STOPWORDS.items()}
    best = max((lang for lang in hits if lang != "en"), key=lambda lang: hits[lang])
    if hits[best] > hits["en"] and hits[best] >= 2 and hits[best] / len(words) >= MIN_SHARE:
        return best
    return "en"


def english_only_notice(question: str) -> str | None:
    """What to say instead of a bare abstention when the question is not in English; None
    for an English question."""
    language = detect(question)
    if language == "en":
        return None
    return (
        f"This question looks {NAMES[language]}, but the indexed articles and newsrag's "
        "models are English-only, so it could not be matched to them. Please ask in English."
    )
