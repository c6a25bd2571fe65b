from datetime import UTC, date, datetime

import pyarrow as pa
import pytest

from lodestar.imports import parsers
from lodestar.kit.errors import InvalidInput


def test_booleans_in_english_digits_and_chinese_are_understood():
    values, bad = parsers.parse_bool(
        pa.array(["TRUE", "True", "true", "1", "是", "yes", "FALSE", "0", "否", "no"])
    )
    assert values.to_pylist() == [True] * 6 + [False] * 4
    assert not any(bad.to_pylist())


def test_a_word_that_is_not_yes_or_no_is_a_bad_cell():
    _, bad = parsers.parse_bool(pa.array(["maybe", None]))
    assert bad.to_pylist() == [True, False]


def test_thousands_separators_are_removed_and_malformed_groups_refused():
    clean, bad = parsers.clean_number(pa.array(["1,234,567.89", "1234", "1,23", "12a"]))
    assert clean.to_pylist() == ["1234567.89", "1234", None, None]
    assert bad.to_pylist() == [False, False, True, True]


def test_whole_numbers_accept_a_zero_fraction_only():
    values, bad = parsers.parse_int(pa.array(["4.0", "2,000", "4.5"]))
    assert values.to_pylist() == [4, 2000, None]
    assert bad.to_pylist() == [False, False, True]


def test_a_day_over_twelve_in_front_means_day_first():
    assert parsers.detect_date_format(pa.array(["3/4/2024", "16/10/2024"]), "d") == "d/m/Y"


def test_a_day_over_twelve_in_the_middle_means_month_first():
    assert parsers.detect_date_format(pa.array(["3/4/2024", "10/16/2024"]), "d") == "m/d/Y"


def test_a_column_that_cannot_tell_the_order_is_refused_by_name():
    with pytest.raises(InvalidInput) as caught:
        parsers.detect_date_format(pa.array(["3/4/2024", "5/6/2024"]), "signup_date")
    assert caught.value.problems[0].field == "signup_date"
    assert "ambiguous" in caught.value.problems[0].message


def test_impossible_dates_are_refused_rather_than_rolled_over():
    values, bad = parsers.parse_date(pa.array(["31/2/2024", "29/2/2024"]), "d/m/Y")
    assert values.to_pylist() == [None, date(2024, 2, 29)]
    assert bad.to_pylist() == [True, False]


def test_naive_times_take_the_mapping_offset_and_zoned_times_keep_theirs():
    values, _ = parsers.parse_datetime(
        pa.array(["2024-03-01 08:00", "2024-03-01T08:00:00Z", "2024-03-01"]), "iso", "+08:00"
    )
    assert [v.isoformat() for v in values.to_pylist()] == [
        "2024-03-01T00:00:00+00:00",
        "2024-03-01T08:00:00+00:00",
        "2024-02-29T16:00:00+00:00",
    ]


def test_plain_iso_times_read_in_one_cast_equal_the_general_parser():
    cells = ["2024-03-01 10:00", "2024-03-01T10:00:05", "2024-03-01 23:59:59.123456Z", "2024-02-29", None]
    fast, fast_bad = parsers.parse_datetime(pa.array(cells, pa.string()), "iso", "+08:00")
    # A slashed cell sends the whole column through the general (regex) parser instead.
    slow, _ = parsers.parse_datetime(pa.array([*cells, "2024/03/01 10:00"], pa.string()), "iso", "+08:00")
    assert fast.to_pylist() == slow.to_pylist()[:-1]
    assert fast.to_pylist()[0] == datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
    assert fast.to_pylist()[2] == datetime(2024, 3, 1, 23, 59, 59, 123456, tzinfo=UTC)
    assert fast_bad.to_pylist() == [False] * 5
    values, bad = parsers.parse_datetime(
        pa.array(["2024-02-30 10:00", "2024-03-01 25:00"], pa.string()), "iso"
    )
    assert values.to_pylist() == [None, None] and bad.to_pylist() == [True, True]
