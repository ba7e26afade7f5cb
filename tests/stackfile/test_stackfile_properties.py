"""Property-based tests (hypothesis) of the loader: no exception but StackFileError escapes, messages are
printable UTF-8, time stays bounded (generous CPU seconds, not a timing test), and the generator's oracle
agrees: files built valid load, files built with a defect are refused."""

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopstream.stackfile import StackFileError, StackSpec, load_stack_file

from .conftest import TODAY
from .strategies import Case, hostile_cases, invalid_cases, valid_cases

GENEROUS_CPU_SECONDS = 5.0
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def load(tmp_path: Path, case: Case) -> StackSpec | StackFileError:
    path = tmp_path / "stacks" / "prop.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(case.data)
    started = time.process_time()
    try:
        result: StackSpec | StackFileError = load_stack_file(path, today=TODAY)
    except StackFileError as error:
        result = error
    assert time.process_time() - started < GENEROUS_CPU_SECONDS
    if isinstance(result, StackFileError):
        assert result.problems
        str(result).encode("utf-8")
        for problem in result.problems:
            assert all(ch >= " " for ch in str(problem)), str(problem)
    return result


@SETTINGS
@given(st.one_of(hostile_cases(TODAY), st.builds(Case, st.just("hostile"), st.binary(max_size=4000))))
def test_no_exception_escapes(tmp_path: Path, case: Case) -> None:
    load(tmp_path, case)


@SETTINGS
@given(valid_cases(TODAY))
def test_files_built_valid_load(tmp_path: Path, case: Case) -> None:
    result = load(tmp_path, case)
    assert isinstance(result, StackSpec), str(result)
    for shop in result.shops:
        for topic in shop.topics:
            assert "/" in topic.topic or "." in topic.topic  # canonical REST form, never the enum


@SETTINGS
@given(invalid_cases(TODAY))
def test_files_built_with_a_defect_are_refused(tmp_path: Path, case: Case) -> None:
    assert isinstance(load(tmp_path, case), StackFileError), case.defect
