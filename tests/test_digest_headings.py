"""Section headings: the theme's name when it reads as words, else a phrase its articles share."""

from __future__ import annotations

import pytest

from reader.services.digest.headings import capitalised, section_heading
from reader.services.digest.wording import reads_as_words

RATES = [
    "Bank holds interest rates\nThe Bank of England kept interest rates at 4.75% on Thursday.",
    "Mortgage lending slows\nHigher interest rates have cooled lending, the figures show.",
    "Dollar slips\nTraders expect US interest rates to rise again in the spring.",
]


def test_a_name_that_reads_as_words_heads_its_section():
    assert section_heading("city rivers", ["river", "sewage"], RATES) == "city rivers"


@pytest.mark.parametrize("label", ["read / exam", "rust, cargo, crates", "bank · rates"])
def test_a_machine_label_gives_way_to_a_phrase_the_articles_share(label):
    heading = section_heading(label, ["bank", "interest rates", "lending"], RATES)
    assert heading == "interest rates"
    assert reads_as_words(heading) and "/" not in heading and "," not in heading


def test_the_phrase_is_written_as_the_articles_write_it():
    texts = [
        "Flights to New York resume\nAirlines restart New York routes.",
        "New York marathon\nThe New York race drew 50,000 runners.",
    ]
    assert section_heading("york / flights", ["new york", "runners"], texts) == "New York"


def test_a_label_part_serves_when_there_are_no_keywords():
    assert section_heading("lending / zzz", [], RATES) == "lending"


def test_two_sections_never_share_a_heading():
    first = section_heading("x / y", ["interest rates"], RATES)
    second = section_heading("y / z", ["interest rates", "lending"], RATES, taken=[first])
    assert first == "interest rates" and second == "lending"


def test_the_users_own_name_is_kept_as_written():
    assert section_heading("Bridges, my name", ["steel"], RATES, named=True) == "Bridges, my name"


def test_nothing_shared_falls_back_to_the_first_title_not_to_tokens():
    heading = section_heading("qq / zz", ["qq", "zz"], RATES)
    assert heading == "Around “Bank holds interest rates”"


def test_a_heading_starts_with_a_capital():
    assert capitalised("interest rates") == "Interest rates"
    assert capitalised("New York") == "New York"
    assert capitalised("") == ""


def test_a_word_every_article_uses_loses_to_one_only_this_section_uses():
    others = [
        "Best goal of the year\nThe best player scored twice.",
        "Best laptop\nThe best machine we tested.",
    ]
    texts = [
        "Best film of the year\nThe film won the best picture award.",
        "A film festival\nThe best of the festival's film entries.",
    ]
    assert section_heading("oscar / best", ["best", "film"], texts, others=others) == "film"


FERMENTS = [
    "Salt math\nFermentation needs salt; the fermentation slows when the temperature drops.",
    "Kimchi at home\nA cool temperature keeps the fermentation of kimchi slow and sour.",
    "The fridge\nThe fridge is a fermentation chamber at a low temperature.",
]


def test_a_lone_word_is_joined_by_the_next_word_the_section_shares():
    heading = section_heading("salt / starter", ["temperature", "fermentation"], FERMENTS)
    assert heading == "temperature and fermentation"


def test_a_plural_the_articles_use_heads_the_section():
    texts = [
        "Not neurons\nA feature is a direction; a feature can overlap another.",
        "Reading\nEach feature fires on features of the text.",
    ]
    assert section_heading("x / y", ["feature"], texts) == "features"


def test_a_word_used_as_code_never_heads_a_section():
    texts = [
        "Pointers\nUse std::ptr::read and see docs/std/ptr for the offset rules of pointers.",
        "Slices\nCall std::slice::from_raw_parts; std::mem holds the rest about pointers.",
    ]
    assert section_heading("std / mut", ["std", "pointers"], texts) == "pointers"


def test_a_word_nearly_always_followed_by_the_same_word_heads_as_the_phrase():
    texts = [
        "Pointer rules\nA misaligned read is undefined behavior; undefined behavior hides.",
        "Const eval\nThe compiler now reports undefined behavior in const code.",
    ]
    assert section_heading("const / offset", ["undefined"], texts) == "undefined behavior"


def test_two_words_the_articles_write_together_head_as_they_write_them():
    texts = [
        "Board update\nThe Project Directors met; the Project Directors voted on the budget.",
        "Another update\nOur Project Directors report on the project and its directors.",
    ]
    assert section_heading("x / y", ["directors", "project"], texts) == "Project Directors"
