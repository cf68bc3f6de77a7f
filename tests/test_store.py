"""The course store: load, cache as Parquet, reload identically, never serve stale data."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from flbook.config import load_config
from flbook.errors import ExportError
from flbook.store import Course, load_course

TS = "2024-02-05 10:00:00 UTC"

ENROLMENTS = (
    "learner_id,enrolled_at,unenrolled_at,role,fully_participated_at,purchased_statement_at,"
    "gender,country,age_range,highest_education_level,employment_status,employment_area,"
    "detected_country\n"
    "aaa1,2024-01-10 09:00:00 UTC,,learner,,,female,GB,26-35,Unknown,Unknown,Unknown,GB\n"
    "bbb2,2024-01-11 09:00:00 UTC,2024-02-06 09:00:00 UTC,learner,,,Unknown,Unknown,Unknown,"
    "Unknown,Unknown,Unknown,--\n"
    "ccc3,2024-01-12 09:00:00 UTC,,educator,,,Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,FR\n"
)
ACTIVITY = (
    "learner_id,step,week_number,step_number,first_visited_at,last_completed_at\n"
    f"aaa1,1.10,1,10,{TS},\n"
    f"aaa1,1.2,1,2,{TS},{TS}\n"
    f"bbb2,2.1,2,1,{TS},\n"
)


@pytest.fixture
def course_dir(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    (d / "demo-12_enrolments.csv").write_text(ENROLMENTS)
    (d / "demo-12_step-activity.csv").write_text(ACTIVITY)
    (d / "demo-12_comments.csv").write_text(
        "id,author_id,parent_id,step,text,timestamp,moderated,likes\n"
        f'7,aaa1,,1.2,"hello\nthere",{TS},,2\n'
        f"8,ddd4,7,1.2,reply,{TS},,0\n"
    )
    (d / "course.yml").write_text(
        "title: Demo\ndata: .\nstub: demo-12\nstart: 2024-02-05\nweeks: 2\n"
        'exercise_steps: ["2.5"]\n'
    )
    return d


def test_load_gives_typed_tables_with_shared_categories(course_dir, tmp_path):
    course = load_course(course_dir / "course.yml", cache=tmp_path / "cache")
    sa, enr, com = course.step_activity, course.enrolments, course.comments
    assert list(course.steps["step"].astype(str)) == ["1.2", "1.10", "2.1", "2.5"]
    assert sa["step"].dtype == course.step_dtype and course.step_dtype.ordered
    assert sa["learner_id"].cat.categories.equals(enr["learner_id"].cat.categories)
    assert com["author_id"].cat.categories.equals(course.people)
    assert str(sa["first_visited_at"].dtype) == "datetime64[ns, UTC]"
    assert sorted(sa["step"].astype(str)) == ["1.10", "1.2", "2.1"]
    assert sa.sort_values("step")["step"].astype(str).tolist() == ["1.2", "1.10", "2.1"]
    assert len(course.question_response) == 0  # missing optional file → empty typed table
    assert "quiz_question" in course.question_response.columns
    assert course.report.files["question-response"].status == "missing"
    # a person in comments who is not enrolled is reported, not dropped
    assert len(com) == 2
    assert any("do not appear in enrolments" in w for w in course.report.warnings)


def test_store_reload_is_identical_and_marked(course_dir, tmp_path):
    first = load_course(course_dir / "course.yml", cache=tmp_path / "cache").load_all()
    again = load_course(course_dir / "course.yml", cache=tmp_path / "cache").load_all()
    assert not first.report.from_store and again.report.from_store
    for name in first.datasets:
        assert_frame_equal(first.table(name), again.table(name), check_categorical=True)
    assert again.report.to_frame().equals(first.report.to_frame())
    nocache = load_course(course_dir / "course.yml", cache=False)
    assert_frame_equal(nocache.step_activity, again.step_activity)


def test_changed_csv_is_never_served_stale(course_dir, tmp_path):
    cfg = course_dir / "course.yml"
    c1 = load_course(cfg, cache=tmp_path / "cache")
    assert len(c1.step_activity) == 3
    path = course_dir / "demo-12_step-activity.csv"
    st = path.stat()
    # same size, same modification time: only the content differs
    path.write_text(ACTIVITY.replace("bbb2,2.1,2,1", "aaa1,2.1,2,1"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    c2 = load_course(cfg, cache=tmp_path / "cache")
    assert not (c2.step_activity["learner_id"] == "bbb2").any()
    assert not c2.report.from_store


def test_appended_rows_change_the_key(course_dir, tmp_path):
    cfg = course_dir / "course.yml"
    load_course(cfg, cache=tmp_path / "cache")
    with open(course_dir / "demo-12_step-activity.csv", "a") as fh:
        fh.write(f"bbb2,2.2,2,2,{TS},\n")
    c = load_course(cfg, cache=tmp_path / "cache")
    assert len(c.step_activity) == 4 and not c.report.from_store


def test_column_subset(course_dir, tmp_path):
    course = load_course(course_dir / "course.yml", cache=tmp_path / "cache")
    again = load_course(course_dir / "course.yml", cache=tmp_path / "cache")
    part = again.table("step_activity", ["learner_id", "step"])
    assert list(part.columns) == ["learner_id", "step"]
    assert_frame_equal(part, course.step_activity[["learner_id", "step"]])


def test_missing_required_export_is_a_clear_error(course_dir, tmp_path):
    (course_dir / "demo-12_enrolments.csv").unlink()
    with pytest.raises(ExportError, match="enrolments export is required"):
        load_course(course_dir / "course.yml", cache=tmp_path / "cache")


def test_missing_step_activity_is_no_data(course_dir, tmp_path):
    (course_dir / "demo-12_step-activity.csv").unlink()
    c = load_course(course_dir / "course.yml", cache=tmp_path / "cache")
    assert c.step_activity.empty and "first_visited_at" in c.step_activity.columns
    assert c.report.files["step-activity"].status == "missing"
    assert any("step-activity" in w and "not found" in w for w in c.report.warnings)


def test_bad_file_error_names_file(course_dir, tmp_path):
    (course_dir / "demo-12_step-activity.csv").write_text(
        "learner_id,step,first_visited_at\naaa1,1.1,not a time\n"
    )
    with pytest.raises(ExportError) as err:
        load_course(course_dir / "course.yml", cache=tmp_path / "cache")
    assert "demo-12_step-activity.csv" in str(err.value) and err.value.line == 2


def test_from_frames_matches_loaded_types(course_dir, tmp_path):
    loaded = load_course(load_config(course_dir / "course.yml"), cache=False)
    made = Course.from_frames(
        step_activity=pd.DataFrame(
            {
                "learner_id": ["aaa1"],
                "step": ["1.10"],
                "first_visited_at": ["2024-02-05 10:00:00"],
            }
        )
    )
    assert dict(made.step_activity.dtypes.astype(str)) == dict(
        loaded.step_activity.dtypes.astype(str)
    )


def test_duplicates_dropped_after_encoding_are_reported(course_dir, tmp_path):
    """The store drops exact duplicates once ids are codes: the same counts as the
    reader alone, near-duplicates (same learner and step, another time) kept."""
    from flbook.exports import dataset, read_export

    later = "2024-02-06 10:00:00 UTC"
    (course_dir / "demo-12_step-activity.csv").write_text(
        ACTIVITY + f"aaa1,1.10,1,10,{TS},\naaa1,1.10,1,10,{later},\nbbb2,2.1,2,1,{TS},\n"
    )
    (course_dir / "demo-12_comments.csv").write_text(
        "id,author_id,parent_id,step,text,timestamp,moderated,likes\n"
        f"7,aaa1,,1.2,hello,{TS},,2\n7,aaa1,,1.2,hello,{TS},,2\n7,aaa1,,1.2,hullo,{TS},,2\n"
    )
    (course_dir / "demo-12_question-response.csv").write_text(
        "learner_id,quiz_question,question_type,week_number,step_number,question_number,"
        "response,cloze_response,submitted_at,correct\n"
        f"aaa1,1.3.1,MultipleChoiceQuestion,1,3,1,2,,{TS},false\n"
        f"aaa1,1.3.1,MultipleChoiceQuestion,1,3,1,2,,{TS},false\n"  # exact repeat
        f"aaa1,1.3.1,MultipleChoiceQuestion,1,3,1,3,,{TS},true\n"  # same time, other answer
        f"bbb2,1.3.1,MultipleChoiceQuestion,1,3,1,2,,{TS},false\n"
    )
    course = load_course(course_dir / "course.yml", cache=tmp_path / "cache")
    reason = "exact duplicate of an earlier row"
    qr = course.report.files["question-response"]
    assert (qr.rows_read, qr.rows_kept, qr.excluded) == (4, 3, {reason: 1})
    assert course.question_response["response"].tolist() == ["2", "3", "2"]
    sa = course.report.files["step-activity"]
    assert (sa.rows_read, sa.rows_kept, sa.excluded) == (6, 4, {reason: 2})
    assert len(course.step_activity) == 4
    assert (
        course.step_activity["first_visited_at"].astype(str).str[:10].tolist().count("2024-02-06")
        == 1
    )
    com = course.report.files["comments"]
    assert (com.rows_read, com.rows_kept, com.excluded) == (3, 2, {reason: 1})
    # the reader on its own agrees
    for name in ("step-activity", "comments", "question-response"):
        path = course_dir / f"demo-12_{name}.csv"
        table, rep = read_export(path, dataset(name))
        assert (table.num_rows, rep.excluded) == (
            course.report.files[name].rows_kept,
            course.report.files[name].excluded,
        )
    reloaded = load_course(course_dir / "course.yml", cache=tmp_path / "cache")
    assert reloaded.report.files["step-activity"].excluded == {reason: 2}


def test_steps_named_only_in_the_settings_keep_stored_codes_right(course_dir, tmp_path):
    """A step named in the settings but never visited, sorting between visited steps:
    the store keeps the steps of the data (what its codes mean), so a reload labels
    every row as the first load did (it used to shift them by one)."""
    yml = course_dir / "course.yml"
    yml.write_text(yml.read_text().replace('["2.5"]', '["1.5"]'))
    first = load_course(yml, cache=tmp_path / "cache")
    again = load_course(yml, cache=tmp_path / "cache")
    assert again.report.from_store
    expected = ["1.10", "1.2", "2.1"]
    assert first.step_activity["step"].astype(str).tolist() == expected
    assert again.step_activity["step"].astype(str).tolist() == expected
    assert list(again.steps["step"].astype(str)) == ["1.2", "1.5", "1.10", "2.1"]


# --------------------------------------------------------------------------- reuse

COMMENTS = (
    "id,author_id,parent_id,step,text,timestamp,moderated,likes\n"
    f'7,aaa1,,1.2,"hello\nthere",{TS},,2\n'
    f"8,ddd4,7,1.2,reply,{TS},,0\n"
)


def _store_tables(course) -> dict:
    """Every table as stored (Arrow, codes), the people and the step lists."""
    import pyarrow.parquet as pq

    from flbook.exports import DATASETS

    out = {name: pq.read_table(course.store / f"{name}.parquet") for name in DATASETS}
    out["people.parquet"] = pq.read_table(course.store / "people.parquet")
    out["steps.parquet"] = pq.read_table(course.store / "steps.parquet")
    return out


def _assert_same_course(reused, fresh):
    """A store built with reuse equals one built from every file: the same codes,
    lists and report, and the same tables after a reload."""
    assert reused.store != fresh.store or reused.store is None
    got, expected = _store_tables(reused), _store_tables(fresh)
    for name, table in expected.items():
        assert got[name].equals(table), name
    assert reused.people.equals(fresh.people)
    assert reused.report.to_frame().equals(fresh.report.to_frame())
    assert_frame_equal(reused.report.exclusions(), fresh.report.exclusions())
    assert reused.report.all_warnings() == fresh.report.all_warnings()
    assert (reused.report.team_in_enrolments, reused.report.team_as_learners) == (
        fresh.report.team_in_enrolments,
        fresh.report.team_as_learners,
    )
    cfg = reused.config
    again = load_course(cfg, cache=reused.store.parent.parent)
    assert again.report.from_store and again.store == reused.store
    for name in fresh.datasets:
        assert_frame_equal(reused.table(name), fresh.table(name), check_categorical=True)
        assert_frame_equal(again.table(name), fresh.table(name), check_categorical=True)


def _counting_reader(monkeypatch) -> list[str]:
    """Patch the store's CSV reader to record the datasets it parses."""
    import flbook.store._load as loader

    read = []
    real = loader.read_export

    def counting(path, ds, **kwargs):
        read.append(ds.name)
        return real(path, ds, **kwargs)

    monkeypatch.setattr(loader, "read_export", counting)
    return read


def test_a_changed_comments_file_reuses_the_other_tables(course_dir, tmp_path, monkeypatch):
    """Comments change (a reply by someone not enrolled, at a step no one visited
    before, and an exact duplicate row): only comments are parsed again; enrolments
    and step activity come from the earlier store, step codes remapped, and the
    result equals a store built from scratch."""
    from flbook.cli import health_summary

    cfg = load_config(course_dir / "course.yml")
    load_course(cfg, cache=tmp_path / "cache")
    (course_dir / "demo-12_comments.csv").write_text(
        COMMENTS + f"9,eee5,7,1.5,new,{TS},,1\n9,eee5,7,1.5,new,{TS},,1\n"
    )
    read = _counting_reader(monkeypatch)
    messages: list[str] = []
    reused = load_course(cfg, cache=tmp_path / "cache", progress=messages.append)
    assert reused.report.reused == ["enrolments", "step-activity"]
    assert "comments" in read and "enrolments" not in read and "step-activity" not in read
    assert "reusing demo-12_enrolments.csv (unchanged since the earlier export)" in messages
    assert "reading demo-12_comments.csv" in messages
    assert "reused:   2 file(s) unchanged" in health_summary(reused)
    read.clear()
    fresh = load_course(cfg, cache=tmp_path / "fresh")
    assert "enrolments" in read and fresh.report.reused == []
    assert reused.report.files["comments"].excluded == {"exact duplicate of an earlier row": 1}
    assert "1.5" in reused.step_dtype.categories
    _assert_same_course(reused, fresh)


def test_a_new_learner_remaps_the_kept_tables(course_dir, tmp_path, monkeypatch):
    """A new learner enrolled before others (so every later person code moves) and
    visiting steps: enrolments and step activity are parsed, comments and the team
    kept with their person codes remapped (the team rule reads the kept team's ids),
    and the decoded tables equal a fresh build's."""
    from flbook.store import TEAM_ROLE

    cfg = load_config(course_dir / "course.yml")
    (course_dir / "demo-12_team-members.csv").write_text(
        "id,first_name,last_name,team_role,user_role\nbbb2,A,B,mentor,mentor\n"
    )
    load_course(cfg, cache=tmp_path / "cache")
    lines = ENROLMENTS.splitlines(keepends=True)
    new = "nnn9,2024-01-10 10:00:00 UTC,,learner,,,Unknown,Unknown,Unknown,Unknown,Unknown,Unknown,GB\n"
    (course_dir / "demo-12_enrolments.csv").write_text(
        "".join([lines[0], lines[1], new, *lines[2:]])
    )
    (course_dir / "demo-12_step-activity.csv").write_text(ACTIVITY + f"nnn9,1.2,1,2,{TS},{TS}\n")
    read = _counting_reader(monkeypatch)
    reused = load_course(cfg, cache=tmp_path / "cache")
    assert reused.report.reused == ["comments", "team-members"]
    assert "comments" not in read and {"enrolments", "step-activity"} <= set(read)
    roles = reused.enrolments.set_index(reused.enrolments["learner_id"].astype(str))["role"]
    assert roles["bbb2"] == TEAM_ROLE and reused.report.team_as_learners == 1
    assert list(reused.people[:3]) == ["aaa1", "nnn9", "bbb2"]
    assert reused.comments["author_id"].astype(str).tolist() == ["aaa1", "ddd4"]
    _assert_same_course(reused, load_course(cfg, cache=tmp_path / "fresh"))


def test_a_changed_team_list_parses_the_enrolments_again(course_dir, tmp_path, monkeypatch):
    """Enrolment roles depend on team-members (a team member enrolled as a learner is
    course team), so unchanged enrolments are parsed again when team-members changes."""
    from flbook.store import TEAM_ROLE

    cfg = load_config(course_dir / "course.yml")
    team = course_dir / "demo-12_team-members.csv"
    team.write_text("id,first_name,last_name,team_role,user_role\nccc3,A,B,educator,educator\n")
    load_course(cfg, cache=tmp_path / "cache")
    team.write_text(team.read_text() + "aaa1,C,D,mentor,mentor\n")
    read = _counting_reader(monkeypatch)
    reused = load_course(cfg, cache=tmp_path / "cache")
    assert "enrolments" in read and "enrolments" not in reused.report.reused
    assert "step-activity" in reused.report.reused
    roles = reused.enrolments.set_index(reused.enrolments["learner_id"].astype(str))["role"]
    assert roles["aaa1"] == TEAM_ROLE
    _assert_same_course(reused, load_course(cfg, cache=tmp_path / "fresh"))


def test_no_reuse_parses_every_file(course_dir, tmp_path, monkeypatch):
    cfg = load_config(course_dir / "course.yml")
    load_course(cfg, cache=tmp_path / "cache")
    (course_dir / "demo-12_comments.csv").write_text(COMMENTS + f"9,aaa1,7,1.2,more,{TS},,1\n")
    read = _counting_reader(monkeypatch)
    plain = load_course(cfg, cache=tmp_path / "cache", reuse=False)
    assert plain.report.reused == [] and {"enrolments", "step-activity", "comments"} <= set(read)
    assert len(plain.comments) == 3


def _encode_both_ways(parts):
    """(codes, people) from flbook's encoder and from Arrow's dictionary encoding."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from flbook.store._ids import encode_people

    pieces, people = encode_people(parts)
    values = pa.chunked_array([d.take(pa.array(pos)) for d, pos in parts], pa.string())
    enc = pc.dictionary_encode(values.combine_chunks())
    got = (np.concatenate(pieces).tolist(), people.cast(pa.binary()).to_pylist())
    return got, (enc.indices.to_pylist(), enc.dictionary.cast(pa.binary()).to_pylist())


@pytest.mark.parametrize("kind", ["uuid", "varied", "one", "short"])
def test_encode_people_matches_arrow(kind):
    """Several dictionaries with overlapping ids, only some entries in use: codes in
    order of first appearance, across dictionaries (and across the two halves the
    ids are split into)."""
    import random
    import uuid

    import numpy as np
    import pyarrow as pa

    rng = random.Random(7)
    pool = {
        "uuid": [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(300)],
        "varied": [f"p{rng.randrange(10 ** rng.randrange(1, 6))}" for _ in range(300)],
        "one": ["x" * 40],
        "short": ["", "a", "b", "ab", "ba", "1", "22", "é"],  # empty and one-byte ids
    }[kind]
    parts = []
    for _ in range(6):
        d = pa.array(sorted(set(rng.sample(pool, min(len(pool), 120)))), pa.string())
        pos = np.array(sorted(rng.sample(range(len(d)), len(d) // 2 or 1)), dtype=np.intp)
        parts.append((d, pos))
    parts.append((pa.array([], pa.string()), np.zeros(0, np.intp)))  # a column with no ids
    got, expected = _encode_both_ways(parts)
    assert got == expected


def test_encode_people_with_no_id_columns():
    from flbook.store._ids import encode_people

    pieces, people = encode_people([])
    assert pieces == [] and len(people) == 0


def test_derived_results_are_computed_once_per_course_and_key():
    c = Course.from_frames(enrolments=pd.DataFrame({"learner_id": ["a"], "role": "learner"}))
    calls = []
    assert c.derived(("x", 1), lambda: calls.append(1) or "first") == "first"
    assert c.derived(("x", 1), lambda: calls.append(1) or "second") == "first"
    assert c.derived(("x", 2), lambda: calls.append(1) or "other") == "other"
    assert len(calls) == 2


def test_shared_intermediates_are_built_once_and_read_only(monkeypatch):
    """The sessionised events and the prediction table are shared by several recipes."""
    import numpy as np

    import flbook.analysis._sessions as sessions
    import flbook.predict._features as features
    from flbook.analysis import learner_sessions, sessionise
    from flbook.predict import disengagement_labels, weekly_features

    enr = pd.DataFrame(
        {"learner_id": ["a", "b"], "role": "learner", "enrolled_at": "2024-02-01 00:00:00"}
    )
    sa = pd.DataFrame(
        {
            "learner_id": ["a", "a", "b"],
            "step": ["1.1", "2.1", "1.1"],
            "first_visited_at": [
                "2024-02-05 10:00:00",
                "2024-02-13 09:00:00",
                "2024-02-06 20:00:00",
            ],
        }
    )
    c = Course.from_frames(enrolments=enr, step_activity=sa)
    cuts, builds = [], []
    real_cut, real_build = sessions._cut_sessions, features._build_table
    monkeypatch.setattr(sessions, "_cut_sessions", lambda *a: cuts.append(1) or real_cut(*a))
    monkeypatch.setattr(
        features, "_build_table", lambda *a, **k: builds.append(1) or real_build(*a, **k)
    )
    first = sessionise(c, session_gap_minutes=30)
    learner_sessions(c, session_gap_minutes=30)
    assert_frame_equal(sessionise(c, session_gap_minutes=30), first)
    assert len(cuts) == 1
    sessionise(c, session_gap_minutes=60)  # another gap is another intermediate
    assert len(cuts) == 2
    ev = sessions._sessionise_events(c, session_gap_minutes=30)
    with pytest.raises(ValueError, match="read-only"):
        ev.times[0] = 0
    opts = dict(start="2024-02-05", weeks=3, as_of="2024-03-01")
    f = weekly_features(c, **opts)
    lab = disengagement_labels(c, **opts)
    f["week"] = -1  # a caller's change must not reach the shared table
    assert len(builds) == 1
    assert np.array_equal(weekly_features(c, **opts)["week"], lab["week"])
    assert len(builds) == 1


def test_sessionised_events_are_stored_for_the_next_process(course_dir, tmp_path, monkeypatch):
    """The course's usual sessions are written beside the store and read back, not recut."""
    import flbook.analysis._sessions as sessions
    from flbook.analysis import sessionise

    cfg = load_config(course_dir / "course.yml")
    first = load_course(cfg, cache=tmp_path / "store")
    expected = sessionise(first, session_gap_minutes=cfg.session_gap_minutes)
    derived = list((first.store / "derived").glob("sessionised-events-*.arrow"))
    assert len(derived) == 1
    # a fresh load (another kernel) reads the file instead of cutting sessions again
    monkeypatch.setattr(sessions, "_cut_sessions", lambda *a: pytest.fail("cut again"))
    again = load_course(cfg, cache=tmp_path / "store")
    assert_frame_equal(sessionise(again, session_gap_minutes=cfg.session_gap_minutes), expected)
    monkeypatch.undo()
    # the same data cut from scratch (no store) agrees
    plain = load_course(cfg, cache=False)
    assert_frame_equal(sessionise(plain, session_gap_minutes=cfg.session_gap_minutes), expected)
    # another flbook (its code changed) computes afresh under another name
    import flbook.resources

    monkeypatch.setattr(flbook.resources, "flbook_fingerprint", lambda: "another version")
    other = load_course(cfg, cache=tmp_path / "store")
    sessionise(other, session_gap_minutes=cfg.session_gap_minutes)
    assert len(list((first.store / "derived").glob("sessionised-events-*.arrow"))) == 2
