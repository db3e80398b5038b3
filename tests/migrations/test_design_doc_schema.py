"""The customers table is the design doc's, column for column, on a fresh install."""

import pytest

from tests.migrations.doc_schema import (
    DOC_COLUMNS,
    differences_from_doc,
    doc_columns_in_text,
    doc_create_table,
)


def test_a_fresh_install_has_the_design_docs_customers_table(fresh_database_url):
    assert differences_from_doc(fresh_database_url) == []


def test_the_expected_columns_are_the_ones_the_design_doc_declares():
    ddl = doc_create_table()
    if ddl is None:
        pytest.skip("the design doc is not beside the repository (shared/seeds)")
    declared = doc_columns_in_text(ddl)
    assert set(declared) == set(DOC_COLUMNS)
    for name, (kind, rest) in declared.items():
        length = int(kind.split("(")[1].rstrip(")")) if "(" in kind else None
        assert DOC_COLUMNS[name][1] == length, name
        assert DOC_COLUMNS[name][2] == ("NOT NULL" not in rest and "PRIMARY KEY" not in rest), name
