"""Comments in aggregate: length, questions, sentiment and the words learners use.

Only learners' comments (role ``learner``) are counted, replies included. Nothing here
returns comment text or who wrote what:

- :func:`comment_measures` gives per step (or per week) the number of comments, words
  per comment, the share that ask a question (a sentence ending in "?") and the share
  that read as positive or negative;
- :func:`top_words` gives the most used words per week, **shown only when at least
  ``min_learners`` (10) different learners used them**, with English stop words
  removed (scikit-learn's list) and the names of the course team (``team-members``
  first and last names) and every learner's pseudonym never shown.

**Sentiment** is scored with the VADER lexicon (Hutto & Gilbert, 2014; the word list
the ``vaderSentiment`` package ships, about 7,500 words and emoticons rated by people
from −4 to +4). A comment's score is the sum of the ratings of its words, a word after
a negation ("not", "don't", ...) counting −0.74 times, normalised to −1..1 as VADER
does; 0.05 and above is positive, −0.05 and below negative. Computed for all comments
at once, it leaves out VADER's finer rules (capitals, "!!", "very", "but"), so it is a
rough reading. Its limits: English only; sarcasm and irony read literally; words
whose meaning is different in the course's subject ("error", "kill", "execute",
"bug" in programming) count as negative; a question about a problem reads as negative
even when the learner is engaged. Compare steps and weeks with each other; do not
read one number as the mood of the course.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ._groups import pseudonyms

__all__ = [
    "NEGATIONS",
    "MIN_LEARNERS_PER_WORD",
    "sentiment_lexicon",
    "comment_tokens",
    "comment_sentiment",
    "comment_measures",
    "top_words",
]

MIN_LEARNERS_PER_WORD = 10
"""A word is shown only if at least this many different learners used it."""

NEGATIONS = frozenset(
    """aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't
    daren't didn't doesn't dont hadnt hasnt havent isnt mightnt mustnt neither don't
    hadn't hasn't haven't isn't mightn't mustn't neednt needn't never none nope nor not
    nothing nowhere oughtnt shant shouldnt uhuh wasnt werent oughtn't shan't
    shouldn't uh-uh wasn't weren't without wont wouldnt won't wouldn't rarely seldom
    despite""".split()
)
"""Words that flip the next word's rating (VADER's list)."""

_N_SCALAR = -0.74  # VADER's factor for a negated word
_ALPHA = 15.0  # VADER's normalisation constant
_THRESHOLD = 0.05  # VADER's usual cut-off for positive / negative
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_QUESTION = r"\?+[\"'’”)\]]*(?:\s|$)"


@functools.lru_cache(maxsize=1)
def sentiment_lexicon() -> pd.Series:
    """The VADER lexicon shipped by ``vaderSentiment``: word → mean rating (−4..4).

    Read from the package's own file (no download). Raises ImportError naming the
    package when it is not installed.
    """
    spec = importlib.util.find_spec("vaderSentiment")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("sentiment needs the vaderSentiment package: pip install vaderSentiment")
    path = Path(list(spec.submodule_search_locations)[0]) / "vader_lexicon.txt"
    table = pd.read_csv(
        path,
        sep="\t",
        header=None,
        usecols=[0, 1],
        names=["word", "rating"],
        quoting=3,
        dtype={"word": "object", "rating": "float64"},
        encoding="utf-8",
        keep_default_na=False,
    )
    return table.drop_duplicates("word").set_index("word")["rating"]


def _learner_comments(course) -> pd.DataFrame:
    c = course.table("comments", ["author_id", "step", "text"])
    enr = course.table("enrolments", ["learner_id", "role"])
    learners = enr.loc[enr["role"].astype("object") == "learner", "learner_id"]
    mask = np.zeros(len(course.people) + 1, dtype=bool)
    codes = learners.cat.codes.to_numpy()
    mask[codes[codes >= 0]] = True
    author = c["author_id"].cat.codes.to_numpy().astype(np.int64)
    return c[mask[author]].reset_index(drop=True)


def comment_tokens(text: pd.Series) -> pd.DataFrame:
    """Words of each comment, lower-cased, one row per word (letters and digits, ``'`` inside).

    Returns
    -------
    DataFrame with ``comment`` (the position of the comment in ``text``) and ``word``.

    Examples
    --------
    >>> import pandas as pd
    >>> comment_tokens(pd.Series(["I don't know!", None, "Ünïcödé?"]))
       comment     word
    0        0        i
    1        0    don't
    2        0     know
    3        2  ünïcödé
    """
    s = pd.Series(text.to_numpy(dtype=object, na_value=None), dtype="object")
    words = s.fillna("").str.lower().str.replace("’", "'", regex=False).str.findall(_WORD)
    exploded = words.explode()
    exploded = exploded[exploded.notna()]
    return pd.DataFrame(
        {
            "comment": exploded.index.to_numpy(dtype=np.int64),
            "word": exploded.to_numpy(dtype=object),
        }
    )


def comment_sentiment(text: pd.Series, tokens: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sentiment of each comment from the VADER lexicon (see the module notes for limits).

    Parameters
    ----------
    text : the comments' text.
    tokens : :func:`comment_tokens` of ``text`` if already computed.

    Returns
    -------
    DataFrame, one row per comment (same order as ``text``): ``words`` (words counted),
    ``score`` (−1..1), ``sentiment`` (``"positive"``, ``"negative"``, ``"neutral"``).

    Examples
    --------
    >>> import pandas as pd
    >>> comment_sentiment(pd.Series(["Great course, thank you", "This is not good",
    ...     "See step 2"]))["sentiment"].tolist()
    ['positive', 'negative', 'neutral']
    """
    if tokens is None:
        tokens = comment_tokens(text)
    n = len(text)
    lex = sentiment_lexicon()
    rating = lex.reindex(tokens["word"]).to_numpy(dtype=np.float64)
    rating = np.nan_to_num(rating, nan=0.0)
    comment = tokens["comment"].to_numpy()
    negated = np.zeros(len(tokens), dtype=bool)
    if len(tokens) > 1:
        is_neg = tokens["word"].isin(NEGATIONS).to_numpy()
        negated[1:] = is_neg[:-1] & (comment[1:] == comment[:-1])
    rating = np.where(negated, rating * _N_SCALAR, rating)
    total = np.bincount(comment, weights=rating, minlength=n)
    words = np.bincount(comment, minlength=n)
    score = total / np.sqrt(total * total + _ALPHA)
    label = np.where(
        score >= _THRESHOLD, "positive", np.where(score <= -_THRESHOLD, "negative", "neutral")
    )
    return pd.DataFrame(
        {
            "words": words.astype(np.int64),
            "score": score,
            "sentiment": pd.Categorical(label, categories=["positive", "neutral", "negative"]),
        }
    )


def comment_measures(course, *, by: str = "step") -> pd.DataFrame:
    """Per step (or week): how long are learners' comments, how many ask, how do they feel?

    Parameters
    ----------
    course : the Course.
    by : ``"step"`` (every step of the course, in course order) or ``"week"``.

    Returns
    -------
    DataFrame, one row per step (``step``, ordered Categorical) or week (``week``,
    int): ``comments``, ``authors`` (different learners), ``words_per_comment``
    (mean), ``median_words``, ``pct_questions`` (% with a sentence ending in "?"),
    ``pct_positive``, ``pct_negative`` (% read as positive / negative; see the
    module notes for how and for the limits).

    Examples
    --------
    >>> import pandas as pd
    >>> from flbook.store import Course
    >>> c = Course.from_frames(
    ...     enrolments=pd.DataFrame({"learner_id": ["a", "b"], "role": ["learner"] * 2}),
    ...     comments=pd.DataFrame({"author_id": ["a", "b"], "step": ["1.1", "1.1"],
    ...         "text": ["Why? I don't know.", "Great, thanks"],
    ...         "timestamp": ["2024-02-05 10:00:00"] * 2}))
    >>> comment_measures(c, by="week")[["week", "comments", "words_per_comment",
    ...     "pct_questions", "pct_positive"]]
       week  comments  words_per_comment  pct_questions  pct_positive
    0     1         2                3.0           50.0          50.0
    """
    if by not in ("step", "week"):
        raise ValueError(f"by must be 'step' or 'week', not {by!r}")
    c = _learner_comments(course)
    step_dtype = course.step_dtype
    step_code = c["step"].cat.codes.to_numpy().astype(np.int64)
    week_of_step = np.array(
        [int(str(s).split(".")[0]) for s in step_dtype.categories], dtype=np.int64
    )
    if by == "step":
        n = len(step_dtype.categories)
        key = step_code
        label = {"step": pd.Categorical.from_codes(np.arange(n), dtype=step_dtype)}
    else:
        weeks = np.unique(week_of_step)
        n = len(weeks)
        key = np.searchsorted(weeks, week_of_step[step_code]) if len(c) else step_code
        label = {"week": weeks}
    ok = step_code >= 0
    key = np.where(ok, key, 0)
    text = c["text"]
    tokens = comment_tokens(text)
    sent = comment_sentiment(text, tokens)
    question = text.astype("object").fillna("").str.contains(_QUESTION, regex=True).to_numpy()
    words = sent["words"].to_numpy()

    def per(weights=None):
        w = None if weights is None else np.asarray(weights, dtype=float)[ok]
        return np.bincount(key[ok], weights=w, minlength=n)

    comments = per()
    author = c["author_id"].cat.codes.to_numpy().astype(np.int64)
    pairs = np.unique(key[ok] * (len(course.people) + 1) + author[ok])
    authors = np.bincount(pairs // (len(course.people) + 1), minlength=n)
    median = (
        pd.Series(words[ok]).groupby(key[ok]).median().reindex(range(n)).to_numpy()
        if ok.any()
        else np.full(n, np.nan)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.where(comments > 0, comments, np.nan)
        return pd.DataFrame(
            {
                **label,
                "comments": comments.astype(np.int64),
                "authors": authors.astype(np.int64),
                "words_per_comment": per(words) / den,
                "median_words": median,
                "pct_questions": 100 * per(question) / den,
                "pct_positive": 100 * per(sent["sentiment"] == "positive") / den,
                "pct_negative": 100 * per(sent["sentiment"] == "negative") / den,
            }
        )


def _hidden_words(course, salt: str | None) -> set[str]:
    """Words never shown: team members' names and the parts of learners' pseudonyms."""
    team = course.table("team-members", ["first_name", "last_name"])
    names = pd.concat([team["first_name"], team["last_name"]]).dropna().astype(str)
    hidden = set(comment_tokens(names)["word"])
    if salt is None:
        salt = course.config.stub if course.config is not None else ""
    if len(course.people):
        parts = comment_tokens(pseudonyms(course.people, salt=salt))["word"]
        hidden |= set(parts) - {"learner"}
    return hidden


def top_words(
    course,
    *,
    n: int = 15,
    min_learners: int = MIN_LEARNERS_PER_WORD,
    extra_stop_words: Iterable[str] = (),
    salt: str | None = None,
) -> pd.DataFrame:
    """The words most learners used in their comments, per week (privacy rules applied).

    A word is counted once per learner and week, so one talkative learner cannot make a
    word "most used". Words of fewer than three letters, words with digits, contractions
    ("I'm", "don't"), English stop words
    (scikit-learn's ``ENGLISH_STOP_WORDS``) and ``extra_stop_words`` are left out; so
    are the course team's first and last names and the parts of learners' pseudonyms
    (whatever their counts), and every word fewer than ``min_learners`` different
    learners used.

    Parameters
    ----------
    course : the Course.
    n : at most this many words per week.
    min_learners : a word is shown only if at least this many learners used it; less
        than :data:`MIN_LEARNERS_PER_WORD` (10) is refused (ValueError): a word few
        learners used can point at a person.
    extra_stop_words : more words to leave out (e.g. the course's subject).
    salt : the pseudonyms' salt (default the course stub, as everywhere in the book).

    Returns
    -------
    DataFrame: ``week`` (int), ``rank`` (1 = used by most learners), ``word``,
    ``learners`` (different learners who used it that week), ``comments`` (comments
    using it). Ties are ordered alphabetically.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if min_learners < MIN_LEARNERS_PER_WORD:
        raise ValueError(
            f"min_learners must be at least {MIN_LEARNERS_PER_WORD} (privacy), not {min_learners}"
        )
    c = _learner_comments(course)
    columns = {
        "week": "int64",
        "rank": "int64",
        "word": "object",
        "learners": "int64",
        "comments": "int64",
    }
    empty = pd.DataFrame({k: pd.Series([], dtype=v) for k, v in columns.items()})
    if len(c) == 0:
        return empty
    tokens = comment_tokens(c["text"])
    words = tokens["word"]
    stop = set(ENGLISH_STOP_WORDS) | {w.lower() for w in extra_stop_words}
    stop |= _hidden_words(course, salt)
    keep = (
        (words.str.len() >= 3)
        & ~words.str.contains(r"\d", regex=True)
        & ~words.str.contains("'", regex=False)  # contractions: I'm, don't, hadn't
        & ~words.isin(stop)
    ).to_numpy()
    tokens = tokens[keep]
    if len(tokens) == 0:
        return empty
    comment = tokens["comment"].to_numpy()
    step_code = c["step"].cat.codes.to_numpy()[comment]
    week_of_step = np.array(
        [int(str(s).split(".")[0]) for s in course.step_dtype.categories], dtype=np.int64
    )
    has_step = step_code >= 0
    week = week_of_step[np.where(has_step, step_code, 0)]
    author = c["author_id"].cat.codes.to_numpy().astype(np.int64)[comment]
    word_code, vocab = pd.factorize(tokens["word"])
    frame = pd.DataFrame(
        {"week": week[has_step], "word": word_code[has_step], "author": author[has_step]}
    )
    frame["comment"] = comment[has_step]
    per_comment = frame.drop_duplicates(["week", "word", "comment"])
    comments = per_comment.groupby(["week", "word"]).size()
    learners = per_comment.drop_duplicates(["week", "word", "author"]).groupby(["week", "word"])
    learners = learners.size()
    out = pd.DataFrame({"learners": learners, "comments": comments}).reset_index()
    out = out[out["learners"] >= int(min_learners)]
    out["word"] = np.asarray(vocab, dtype=object)[out["word"].to_numpy()]
    out = out.sort_values(["week", "learners", "word"], ascending=[True, False, True])
    out["rank"] = out.groupby("week").cumcount() + 1
    out = out[out["rank"] <= n]
    return out[list(columns)].astype(columns).reset_index(drop=True)
