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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..store import per_course  # noqa: I001
from ._groups import pseudonyms
from .arrays import sorted_distinct

if TYPE_CHECKING:
    from flbook.store import Course

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
_SPLIT = r"[^\p{L}\p{N}']+"  # RE2: anything but letters, digits and apostrophes
_QUESTION = r"\?+[\"'’”)\]]*(?:\s|$)"  # a "?" ending a sentence (RE2 syntax too)


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


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words (``ENGLISH_STOP_WORDS``), without its import.

    Importing scikit-learn for this one list cost the conversation chapter about 1 s
    (scikit-learn pulls in SciPy). The list is a plain module of the package,
    ``sklearn/feature_extraction/_stop_words.py``; it is read from the installed
    package, and scikit-learn is imported as usual only if that file is not there.

    Examples
    --------
    >>> "the" in stop_words() and "course" not in stop_words()
    True
    """
    spec = importlib.util.find_spec("sklearn")
    places = list(spec.submodule_search_locations or []) if spec else []
    path = Path(places[0]) / "feature_extraction" / "_stop_words.py" if places else None
    if path is not None and path.is_file():
        namespace: dict[str, object] = {}
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
        words = namespace.get("ENGLISH_STOP_WORDS")
        if isinstance(words, frozenset):
            return words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


def _learner_comments(course: Course) -> pd.DataFrame:
    c = course.table("comments", ["author_id", "step", "text"])
    enr = course.table("enrolments", ["learner_id", "role"])
    learners = enr.loc[enr["role"].astype("object") == "learner", "learner_id"]
    mask = np.zeros(len(course.people) + 1, dtype=bool)
    codes = learners.cat.codes.to_numpy()
    mask[codes[codes >= 0]] = True
    author = c["author_id"].cat.codes.to_numpy().astype(np.int64)
    return c[mask[author]].reset_index(drop=True)


@dataclass(frozen=True)
class _LearnerWords:
    """The learners' comments with their words, sentiment and questions, worked out once."""

    comments: pd.DataFrame
    tokens: _Tokens
    sentiment: pd.DataFrame
    question: np.ndarray


def _learner_words(course: Course) -> _LearnerWords:
    """The learners' comments, tokenised once per course (held with it, read-only).

    ``comment_measures`` (by step and by week, in chapter 5 and in the findings) and
    ``top_words`` split the same comments into words: at 200,000 learners that was six
    passes over every comment, 7 s of the chapter.
    """

    def compute() -> _LearnerWords:
        c = _learner_comments(course)
        tokens = _tokens(c["text"])
        question = pc.match_substring_regex(_arrow_text(c["text"]), _QUESTION)
        return _LearnerWords(
            c,
            tokens,
            comment_sentiment(c["text"], tokens),
            pc.fill_null(question, False).to_numpy(zero_copy_only=False),
        )

    return course.derived(("learner-comment-words",), compute)


@dataclass
class _Tokens:
    """Words of many comments as Arrow arrays: ``comment`` positions and ``word`` strings."""

    comment: np.ndarray
    word: pa.Array

    def __len__(self) -> int:
        return len(self.comment)


def _arrow_text(text) -> pa.Array:
    arr = pa.array(pd.Series(text), from_pandas=True)
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    return arr


def _tokens(text) -> _Tokens:
    """Lower-cased words (letters and digits, ``'`` inside), computed in Arrow (no Python loop)."""
    arr = pc.replace_substring(pc.utf8_lower(_arrow_text(text)), "’", "'")
    parts = pc.split_pattern_regex(arr, _SPLIT)
    flat = pc.utf8_trim(pc.list_flatten(parts), "'")
    parent = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
    keep = pc.greater(pc.utf8_length(flat), 0)
    return _Tokens(parent[keep.to_numpy(zero_copy_only=False)], flat.filter(keep))


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
    t = _tokens(text)
    return pd.DataFrame(
        {"comment": t.comment.astype(np.int64), "word": t.word.to_numpy(zero_copy_only=False)}
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
    t = _tokens(text) if tokens is None else tokens
    if isinstance(t, pd.DataFrame):
        t = _Tokens(t["comment"].to_numpy(), pa.array(t["word"], type=pa.string()))
    n = len(text)
    lex = sentiment_lexicon()
    where = pc.index_in(t.word, value_set=pa.array(lex.index.to_numpy(dtype=object)))
    where = where.to_numpy(zero_copy_only=False)
    found = ~np.isnan(where.astype(np.float64))
    rating = np.zeros(len(t), dtype=np.float64)
    rating[found] = lex.to_numpy()[where[found].astype(np.int64)]
    comment = t.comment
    negated = np.zeros(len(t), dtype=bool)
    if len(t) > 1:
        is_neg = pc.is_in(t.word, value_set=pa.array(sorted(NEGATIONS))).to_numpy(
            zero_copy_only=False
        )
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


@per_course
def comment_measures(course: Course, *, by: str = "step") -> pd.DataFrame:
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
    learner = _learner_words(course)
    c = learner.comments
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
        weeks = sorted_distinct(week_of_step)
        n = len(weeks)
        key = np.searchsorted(weeks, week_of_step[step_code]) if len(c) else step_code
        label = {"week": weeks}
    ok = step_code >= 0
    key = np.where(ok, key, 0)
    sent, question = learner.sentiment, learner.question
    words = sent["words"].to_numpy()

    def per(weights=None):
        w = None if weights is None else np.asarray(weights, dtype=float)[ok]
        return np.bincount(key[ok], weights=w, minlength=n)

    comments = per()
    author = c["author_id"].cat.codes.to_numpy().astype(np.int64)
    pairs = sorted_distinct(
        key[ok] * (len(course.people) + 1) + author[ok], below=n * (len(course.people) + 1)
    )
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


def _team_names(course: Course) -> set[str]:
    """Words never shown: the course team's first and last names, word by word."""
    team = course.table("team-members", ["first_name", "last_name"])
    names = pd.concat([team["first_name"], team["last_name"]]).dropna().astype(str)
    return set(comment_tokens(names)["word"])


def _pseudonym_code_pattern() -> str:
    """RE2 pattern of a word shaped like a pseudonym's code (``"Learner 3F9A0"`` → 5 hex)."""
    code = str(pseudonyms(["x"])[0]).split()[-1]
    return f"^[0-9a-f]{{{len(code)}}}$"


def top_words(
    course: Course,
    *,
    top: int = 15,
    min_learners: int = MIN_LEARNERS_PER_WORD,
    extra_stop_words: Iterable[str] = (),
) -> pd.DataFrame:
    """The words most learners used in their comments, per week (privacy rules applied).

    A word is counted once per learner and week, so one talkative learner cannot make a
    word "most used". Words of fewer than three letters, words with digits, contractions
    ("I'm", "don't"), English stop words
    (scikit-learn's ``ENGLISH_STOP_WORDS``) and ``extra_stop_words`` are left out; so
    are the course team's first and last names and every word shaped like the code of
    a pseudonym (five letters from a to f, whatever their counts), and every word fewer
    than ``min_learners`` different learners used.

    Parameters
    ----------
    course : the Course.
    top : at most this many words per week.
    min_learners : a word is shown only if at least this many learners used it; less
        than :data:`MIN_LEARNERS_PER_WORD` (10) is refused (ValueError): a word few
        learners used can point at a person.
    extra_stop_words : more words to leave out (e.g. the course's subject).

    Returns
    -------
    DataFrame: ``week`` (int), ``rank`` (1 = used by most learners), ``word``,
    ``learners`` (different learners who used it that week), ``comments`` (comments
    using it). Ties are ordered alphabetically.
    """
    if min_learners < MIN_LEARNERS_PER_WORD:
        raise ValueError(
            f"min_learners must be at least {MIN_LEARNERS_PER_WORD} (privacy), not {min_learners}"
        )
    learner = _learner_words(course)
    c = learner.comments
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
    t = learner.tokens
    stop = set(stop_words()) | {w.lower() for w in extra_stop_words}
    stop |= _team_names(course)
    w = t.word
    keep = pc.and_(
        pc.and_(
            pc.greater_equal(pc.utf8_length(w), 3),
            pc.invert(pc.match_substring_regex(w, r"[\p{N}']")),  # numbers, contractions
        ),
        pc.and_(
            pc.invert(pc.is_in(w, value_set=pa.array(sorted(stop), type=pa.string()))),
            pc.invert(pc.match_substring_regex(w, _pseudonym_code_pattern())),
        ),
    ).to_numpy(zero_copy_only=False)
    if not keep.any():
        return empty
    encoded = pc.dictionary_encode(w.filter(pa.array(keep)))
    tokens = pd.DataFrame({"comment": t.comment[keep]})
    word_code = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    vocab = encoded.dictionary.to_numpy(zero_copy_only=False)
    comment = tokens["comment"].to_numpy()
    step_code = c["step"].cat.codes.to_numpy()[comment]
    week_of_step = np.array(
        [int(str(s).split(".")[0]) for s in course.step_dtype.categories], dtype=np.int64
    )
    has_step = step_code >= 0
    week = week_of_step[np.where(has_step, step_code, 0)]
    author = c["author_id"].cat.codes.to_numpy().astype(np.int64)[comment]
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
    out = out[out["rank"] <= top]
    return out[list(columns)].astype(columns).reset_index(drop=True)
