"""Reading customer CSV files and comparing names, without a database."""

import pytest

from clientele.imports.csv_format import BadFile, escape_cell, read_rows, validate_row
from clientele.imports.service import SAME_CUSTOMER_SCORE, name_score


def test_rows_are_numbered_like_a_spreadsheet_and_blank_lines_skipped():
    rows = list(read_rows(["Name,Customer_Type,primary_phone\n", "A,lab,1\n", ",,\n", "B,lab,2\n"]))

    assert [number for number, _ in rows] == [2, 4]
    assert rows[0][1] == {"name": "A", "customer_type": "lab", "primary_phone": "1"}


def test_server_columns_of_an_export_are_ignored():
    [(_, row)] = read_rows(["id,customer_type,name,primary_phone,version\n", "x,lab,A,1,3\n"])

    assert row == {"customer_type": "lab", "name": "A", "primary_phone": "1"}


def test_an_unknown_column_fails_the_whole_file():
    with pytest.raises(BadFile, match="phone_no"):
        list(read_rows(["customer_type,name,primary_phone,phone_no\n"]))


def test_a_valid_row_gives_e164_phones_and_only_the_cells_given():
    values, errors = validate_row(
        {"customer_type": "Hospital", "name": " Sunrise ", "primary_phone": "098765 43210",
         "primary_email": "", "tags": "amc; rural;"}
    )  # fmt: skip

    assert errors == []
    assert values == {
        "customer_type": "hospital",
        "name": "Sunrise",
        "primary_phone": "+919876543210",
        "tags": ["amc", "rural"],
    }


def test_an_invalid_row_names_every_bad_field():
    values, errors = validate_row(
        {"customer_type": "shop", "name": "", "primary_phone": "N/A", "postal_code": "12"}
    )

    assert values is None
    assert {e["field"] for e in errors} == {"customer_type", "name", "primary_phone", "postal_code"}


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+919876543210", "+919876543210"),
        ("-", "'-"),
        ("Sunrise", "Sunrise"),
    ],
)
def test_exported_cells_never_run_as_spreadsheet_formulas_and_read_back_as_typed(cell, written):
    assert escape_cell(cell) == written
    [(_, row)] = read_rows(["customer_type,name,primary_phone\n", f"lab,{written},1\n"])
    assert row["name"] == cell


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Sunrise Hosp.", "Sunrise Multispeciality Hospital", True),
        ("Shree Clinic", "Shri Clinic", True),
        ("Apollo Clinic", "Apollo Hospitals", True),
        ("Fortis Hospital", "Apollo Hospital", False),
        ("City Diagnostics", "Sunrise Multispeciality Hospital", False),
    ],
)
def test_names_agree_on_their_distinctive_words_not_on_hospital(a, b, same):
    assert (name_score(a, b) >= SAME_CUSTOMER_SCORE) is same
