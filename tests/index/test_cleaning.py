import pytest

from index.cleaning import clean_text, has_main_text, is_furniture
from tests.conftest import XI_ARTICLE


def test_furniture_rules_are_general() -> None:
    assert is_furniture("Related articles")
    assert is_furniture("Related: Alibaba launches its ChatGPT-like AI model for public use")
    assert is_furniture("Magazine: AI Eye: Get better results being nice to ChatGPT")
    assert is_furniture("Read more")
    assert is_furniture("See also: Markets slide as oil prices climb again")
    # story text and section headings stay
    assert not is_furniture("Background")
    assert not is_furniture("Interview")
    assert not is_furniture("Chomsky: I think that the war was a mistake.")
    assert not is_furniture("Wikinews: What made you start LibriVox?")
    assert not is_furniture("The related cases were heard on Monday.")


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("Protesters gather outside the court on Friday, June 24. Jane Doe/Reuters", True),
        ("Jane Doe/AP Protesters gather outside the court on Friday, June 24.", True),
        ("John Roe/AFP via Getty Images Firefighters try to control a fire on July 17.", True),
        ("Ana Lee/Anadolu Agency/Getty Images A man sits on the debris of a building.", True),
        # a gallery's captions run together, each after its credit
        ("A rally in Rio on July 7. Ann Roe/Getty Images Lula in 1949. Jo Roe/AP He waves.", True),
        # story lines that hold a slash or an agency's name
        ("The Biden/Harris campaign said on Monday it raised $10 million.", False),
        ("Reuters/Ipsos polling shows the race is close.", False),
        ("Smith told AP on Thursday that it was over.", False),
        # an embedded video's title card, and a story line with a time and a source
        ("Video Ad Feedback Storms bring a severe threat to the Midwest 02:02 - Source: CNN", True),
        ("Video Ad Feedback 01:34 - Source: CNN Another round of severe storms in the South", True),
        ("Hear why this expert believes it could have been prevented 03:54 - Source: CNN", True),
        ("The video, 2:30 long, was posted on Monday. Source: a person familiar with it.", False),
    ],
)
def test_captions_with_their_credits_and_video_cards_go(line: str, furniture: bool) -> None:
    assert is_furniture(line) is furniture


def test_a_leading_date_line_goes_but_a_timeline_keeps_its_dates() -> None:
    """Wikinews pages open with their date alone on a line; inside a story a date alone on
    its line heads a timeline entry and stays."""
    page = "Friday, May 8, 2009\n\nThe trial began in Sydney on Monday."
    assert clean_text(page) == "The trial began in Sydney on Monday."
    timeline = "How the case unfolded.\nMay 11, 2022\nThe department subpoenas the files."
    assert "May 11, 2022" in clean_text(timeline)
    assert clean_text("8 May 2009\nSecond line of the story.") == "Second line of the story."
    assert clean_text("May 2009 was wet.\nIt rained.").startswith("May 2009 was wet.")


def test_shared_article_loses_furniture_but_keeps_story() -> None:
    text = clean_text(XI_ARTICLE.read_text(encoding="utf-8"))
    assert "Related articles" not in text
    assert "Related: Alibaba" not in text
    assert "Magazine: AI Eye" not in text
    assert "avoid bloc confrontation and arms race in cyberspace" in text
    assert "Source: CCTV" in text


def test_whitespace_normalized_and_paragraphs_kept() -> None:
    assert clean_text("A  b\u00a0c\r\n\r\n\r\nNext   line ") == "A b c\n\nNext line"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The mayor agreed [1] on Monday.", "The mayor agreed (1) on Monday."),
        ('He said [1: "we won the war"] then.', 'He said (1: "we won the war") then.'),
        ("Both [2, 3] and [ 4 ] and [5; 6].", "Both (2, 3) and ( 4 ) and (5; 6)."),
        ("A full-width ［7］ marker.", "A full-width (7) marker."),
        # real bracketed text stays
        ("He wrote [sic] and [Photo] and [2020] and [a] and [1st].", None),
        ("Markdown [link] text, [Reuters] and [Updated 10:00].", None),
    ],
)
def test_citation_marker_lookalikes_are_neutralized(text: str, expected: str | None) -> None:
    assert clean_text(text) == (expected or text)


def test_main_text_check() -> None:
    assert not has_main_text("Home | World | Sport")
    assert not has_main_text("Home · World · Sport · Business\nLogin\nContact us")
    assert not has_main_text("Home\nWorld\nSport")
    assert has_main_text("The council voted on Tuesday.")
    assert has_main_text("Home | World\n\nThe council voted on Tuesday to build a bridge.")
