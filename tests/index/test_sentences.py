from index.sentences import split_sentences


def _split(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_initials_and_decimals_do_not_split() -> None:
    text = "He spoke on Nov. 8 in the U.S. capital. John F. Kennedy won 3.5 percent. Next one!"
    assert _split(text) == [
        "He spoke on Nov. 8 in the U.S. capital.",
        "John F. Kennedy won 3.5 percent.",
        "Next one!",
    ]


def test_quotes_stay_with_their_sentence_and_offsets_are_exact() -> None:
    text = "“We should act.” He said so.\n\n“Another,” she added. Done?"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "“We should act.”",
        "He said so.",
        "“Another,” she added.",
        "Done?",
    ]
    assert all(not text[s].isspace() and not text[e - 1].isspace() for s, e in spans)


def test_sub_range() -> None:
    text = "One. Two. Three."
    assert [text[s:e] for s, e in split_sentences(text, 5, 16)] == ["Two.", "Three."]


def test_no_is_an_abbreviation_only_before_a_number() -> None:
    text = "He lives at No. 10 Downing Street. The answer was no. They left."
    assert _split(text) == [
        "He lives at No. 10 Downing Street.",
        "The answer was no.",
        "They left.",
    ]
