"""Loaders keep every paragraph and read the field names real exports use (issue 15.6).

Each file is written the way its kind is found in the wild (a static-site post, a CMS JSON
export, a page's JSON-LD, a scraper's JSONL with the dateline on its own line); the text is
written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.loaders import is_placeholder_title, load_file, title_from_text

LEDE = "The harbour board approved the new ferry timetable on Monday after a two-hour debate."
SECOND = "Ferries will run every twenty minutes at peak times, the board's chair said."


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_front_matter_title_keeps_the_lede(tmp_path: Path) -> None:
    """Front matter and no heading: the first paragraph is the lede, not a title."""
    path = write(
        tmp_path,
        "2024-03-05-ferry.md",
        f'---\nlayout: post\ntitle: "Ferry timetable approved"\ndate: 2024-03-05\n'
        f"author: Sam Reed\n---\n\n{LEDE}\n\n{SECOND}\n",
    )
    [article] = load_file(path)
    assert article.title == "Ferry timetable approved"
    assert article.text.startswith(LEDE)
    assert SECOND in article.text
    assert article.published == "2024-03-05"


def test_markdown_heading_repeating_the_title_is_not_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "post.md",
        f"---\ntitle: Ferry timetable approved\n---\n# Ferry timetable approved\n\n{LEDE}\n",
    )
    [article] = load_file(path)
    assert article.title == "Ferry timetable approved"
    assert article.text == LEDE


def test_markdown_subheading_differing_from_the_title_stays(tmp_path: Path) -> None:
    path = write(
        tmp_path, "post.md", f"---\ntitle: Ferry timetable approved\n---\n## Board vote\n\n{LEDE}\n"
    )
    [article] = load_file(path)
    assert article.title == "Ferry timetable approved"
    assert article.text.startswith("Board vote") and LEDE in article.text


def test_markdown_without_front_matter_takes_the_heading(tmp_path: Path) -> None:
    [article] = load_file(write(tmp_path, "post.md", f"\n# Ferry vote\n\n{LEDE}\n\n{SECOND}\n"))
    assert article.title == "Ferry vote"
    assert article.text.startswith(LEDE)


def test_json_headline_body_and_nested_author(tmp_path: Path) -> None:
    """A CMS export: headline / body / datePublished / author.name / publisher.name."""
    records = [
        {
            "headline": "Ferry timetable approved",
            "body": f"<p>{LEDE}</p><p>{SECOND}</p>",
            "datePublished": "2024-03-05T09:30:00+01:00",
            "author": {"name": "Sam Reed"},
            "publisher": {"name": "Harbour Gazette"},
            "url": "https://gazette.example/ferry",
        }
    ]
    [article] = load_file(write(tmp_path, "export.json", json.dumps({"items": records})))
    assert article.title == "Ferry timetable approved"
    assert article.text.startswith(LEDE) and SECOND in article.text
    assert (article.published, article.author, article.source) == (
        "2024-03-05",
        "Sam Reed",
        "Harbour Gazette",
    )


def test_schema_org_news_article_in_a_graph(tmp_path: Path) -> None:
    """A page's JSON-LD: the NewsArticle among the WebPage and Organization objects."""
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://gazette.example/ferry#page", "name": "Ferry"},
            {"@type": "Organization", "name": "Harbour Gazette"},
            {
                "@type": ["NewsArticle", "ReportageNewsArticle"],
                "headline": "Ferry timetable approved",
                "articleBody": f"{LEDE}\n\n{SECOND}",
                "datePublished": "2024-03-05",
                "author": [{"@type": "Person", "name": "Sam Reed"}, {"name": "Ana Ruiz"}],
                "publisher": {"@type": "Organization", "name": "Harbour Gazette"},
                "mainEntityOfPage": {"@id": "https://gazette.example/ferry"},
            },
        ],
    }
    [article] = load_file(write(tmp_path, "ld.json", json.dumps(graph)))
    assert article.title == "Ferry timetable approved"
    assert article.text == f"{LEDE}\n\n{SECOND}"
    assert article.author == "Sam Reed, Ana Ruiz"
    assert article.source == "Harbour Gazette"
    assert article.url == "https://gazette.example/ferry"
    assert article.published == "2024-03-05"


def test_jsonl_without_title_and_a_dateline_line(tmp_path: Path) -> None:
    """A scraper's JSONL: no title; the text opens with the outlet's dateline line."""
    lines = [
        {"text": f"CNN —\n\n{LEDE}\n\n{SECOND}", "source": "CNN", "date": "2024-03-05"},
        {"text": f"WASHINGTON (AP) —\n{LEDE}", "date": "2024-03-06"},
        {"title": "CNN —", "text": f"(CNN) — {LEDE}", "source": "CNN"},
    ]
    path = write(tmp_path, "scrape.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    first, second, third = load_file(path)
    expected = LEDE.rstrip(".")  # 14 words: the whole first sentence
    assert first.title == second.title == third.title == expected
    assert first.text.startswith(LEDE) and SECOND in first.text  # the lede is never the title
    assert LEDE in second.text and LEDE in third.text


def test_jsonl_without_title_takes_a_headline_line_but_not_a_lede(tmp_path: Path) -> None:
    lines = [
        {"text": f"Ferry timetable approved\n\n{LEDE}"},  # a headline line: the title
        {"text": f"{LEDE}\n\n{SECOND}"},  # a lede: kept, the title is its words
    ]
    path = write(tmp_path, "untitled.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    headline, lede = load_file(path)
    assert (headline.title, headline.text) == ("Ferry timetable approved", LEDE)
    assert lede.title == LEDE.rstrip(".") and lede.text.startswith(LEDE)


def test_plain_text_dateline_first_line_stays_in_the_text(tmp_path: Path) -> None:
    [article] = load_file(write(tmp_path, "wire.txt", f"LONDON (Reuters) -\n\n{LEDE}\n"))
    assert LEDE in article.text
    assert article.title.startswith("The harbour board approved")


@pytest.mark.parametrize(
    ("title", "placeholder"),
    [
        ("CNN —", True),
        ("(CNN)", True),
        ("WASHINGTON (AP) -", True),
        ("LONDON, March 5 (Reuters) –", True),
        ("March 5, 2024", True),
        ("", True),
        ("Ferry timetable approved", False),
        ("NASA LAUNCHES ROCKET", False),
        ("UK inflation hits 10%", False),
        ("BREAKING: Quake hits coast", False),
        ("Tuesday, March 5, 2024", True),
        ("2030 In Review Key Facts", False),  # a year in a title is not a bare date
        ("Photos: Harbour Festival 2030", False),
    ],
)
def test_placeholder_titles(title: str, placeholder: bool) -> None:
    assert is_placeholder_title(title) is placeholder


def test_a_title_equal_to_the_outlet_is_a_placeholder() -> None:
    assert is_placeholder_title("Harbour Gazette", "harbour gazette")
    assert title_from_text("WASHINGTON (CNN) — The board voted. Then.") == "The board voted"
