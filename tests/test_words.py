"""Comments in aggregate: words, questions, sentiment, top words and the privacy rules,
on hand-made comments (one with a rare name, others naming the course team)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from flbook.analysis import (
    comment_measures,
    comment_sentiment,
    comment_tokens,
    pseudonyms,
    top_words,
)
from flbook.plotting import plot_comment_measures, plot_top_words, plot_top_words_by_week
from flbook.store import Course

LEARNERS = [f"l{i:02d}" for i in range(12)]


def _course(comments: list[tuple[str, str, str]], people=LEARNERS) -> Course:
    enr = pd.DataFrame(
        {"learner_id": list(people) + ["t1"], "role": ["learner"] * len(people) + ["educator"]}
    )
    c = pd.DataFrame(comments, columns=["author_id", "step", "text"])
    c["timestamp"] = "2024-02-05 10:00:00"
    team = pd.DataFrame(
        {"id": ["t1"], "first_name": ["Noor"], "last_name": ["Quillfeather"], "team_role": ["host"]}
    )
    return Course.from_frames(enrolments=enr, comments=c, team_members=team)


def _privacy_course() -> Course:
    code = pseudonyms(["l01"])[0]  # e.g. "Learner 3F9A"
    rows = []
    for i, who in enumerate(LEARNERS):
        rows.append(
            (who, "1.1", f"The Python loops are great, thanks Noor Quillfeather! {code} dbcea")
        )
        if i < 10:
            rows.append((who, "1.2", "My kernel restarted."))
        if i < 9:
            rows.append((who, "1.2", "Where is the notebook?"))
    rows.append(("l03", "1.3", "Zebediah, my neighbour, says the python loops are great"))
    # the team's own comments are not counted
    rows += [("t1", "2.1", "Welcome to week two, everyone")] * 12
    return _course(rows)


def test_top_words_privacy_rules():
    course = _privacy_course()
    out = top_words(course)
    words = dict(zip(out["word"], out["learners"], strict=True))
    # used by all 12 learners (l03 twice: counted once)
    assert words["python"] == 12 and words["loops"] == 12 and words["great"] == 12
    assert words["thanks"] == 12
    assert words["kernel"] == 10  # exactly 10 learners: shown
    assert "notebook" not in words  # 9 learners: hidden
    assert "zebediah" not in words and "neighbour" not in words  # one learner
    assert "noor" not in words and "quillfeather" not in words  # the team's names
    code = pseudonyms(["l01"])[0].split()[1].lower()
    assert code not in words  # a pseudonym, used by 12 learners
    assert "dbcea" not in words  # shaped like a pseudonym's code
    assert "the" not in words and "are" not in words  # stop words
    assert "welcome" not in words  # the team's comments do not count
    assert out["week"].unique().tolist() == [1]
    assert out["rank"].tolist() == list(range(1, len(out) + 1))
    # nothing of the comments' text beyond single words
    assert set(out.columns) == {"week", "rank", "word", "learners", "comments"}


def test_top_words_refuses_small_counts():
    with pytest.raises(ValueError, match="at least 10"):
        top_words(_privacy_course(), min_learners=3)


def test_measures_by_hand():
    rows = [
        ("l00", "1.1", "Why? I don't know."),  # question; 4 words; neutral
        ("l01", "1.1", "Great, thanks"),  # 2 words; positive
        ("l02", "1.2", "Is this right?"),  # question; 3 words
        ("l02", "1.2", "It failed, e.g. 3?x is bad"),  # "?" inside a word: not a question
        ("t1", "1.2", "Is anyone there?"),  # the team: not counted
    ]
    out = comment_measures(_course(rows))
    assert out["step"].astype(str).tolist() == ["1.1", "1.2"]
    assert out["comments"].tolist() == [2, 2]
    assert out["authors"].tolist() == [2, 1]
    # words: "it failed e g 3 x is bad" -> 8 words
    np.testing.assert_allclose(out["words_per_comment"], [3.0, 5.5])
    np.testing.assert_allclose(out["pct_questions"], [50.0, 50.0])
    np.testing.assert_allclose(out["pct_positive"], [50.0, 0.0])
    np.testing.assert_allclose(out["pct_negative"], [0.0, 50.0])
    week = comment_measures(_course(rows), by="week")
    assert week["comments"].tolist() == [4]
    np.testing.assert_allclose(week["pct_questions"], [50.0])


def test_sentiment_agrees_with_vader_on_plain_sentences():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = pd.Series(
        [
            "Great explanation, thank you.",
            "This is not good.",
            "I am confused and frustrated by this step.",
            "The video is in week two.",
            "I love this course and the exercises are helpful",
            "The quiz was terrible and boring",
            "I don't like the format",
        ]
    )
    ours = comment_sentiment(text)
    vader = SentimentIntensityAnalyzer()
    ref = [vader.polarity_scores(t)["compound"] for t in text]
    ref_label = ["positive" if r >= 0.05 else "negative" if r <= -0.05 else "neutral" for r in ref]
    assert ours["sentiment"].astype(str).tolist() == ref_label
    # same scale: the plain sum of ratings normalised as VADER does
    np.testing.assert_allclose(ours["score"].iloc[3], 0.0)


def test_tokens_keep_unicode_and_contractions():
    t = comment_tokens(pd.Series(["Chloé’s café, n'est-ce pas? I'm fine"]))
    assert t["word"].tolist() == ["chloé's", "café", "n'est", "ce", "pas", "i'm", "fine"]


def test_word_plots_draw():
    course = _privacy_course()
    fig, ax = plt.subplots()
    m = comment_measures(course)
    assert plot_comment_measures(m, ax=ax) is ax
    fig, ax = plt.subplots()
    tw = top_words(course)
    assert plot_top_words(tw, week=1, ax=ax) is ax
    assert len(ax.patches) == len(tw)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "python" in labels and "noor" not in labels
    fig, ax = plt.subplots()
    assert plot_top_words(tw, week=2, ax=ax).texts[0].get_text() == "No data"


def test_empty_comments():
    course = Course.from_frames()
    assert len(top_words(course)) == 0
    m = comment_measures(course)
    assert len(m) == 0 or m["comments"].sum() == 0


def test_top_words_by_week_owns_its_figure():
    tw = top_words(_privacy_course())
    fig = plot_top_words_by_week(tw, weeks=2)
    assert len(fig.axes) == 2
    assert fig.axes[1].texts[0].get_text() == "No data"  # nobody wrote in week 2


def test_stop_words_are_scikit_learns_and_top_words_does_not_import_it():
    """The list is read from scikit-learn's own file: the same words, without the 1 s
    import of scikit-learn and SciPy in the conversation chapter."""
    import subprocess
    import sys

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from flbook.analysis._words import stop_words

    assert stop_words() == ENGLISH_STOP_WORDS
    code = (
        "import sys, flbook as fl\n"
        "course = fl.load_course('data_stub/course.yml')\n"
        "words = fl.analysis.top_words(course, top=5)\n"
        "assert len(words), 'no words'\n"
        "print('sklearn' in sys.modules)\n"
    )
    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
