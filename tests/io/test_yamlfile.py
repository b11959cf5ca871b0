"""YAML is read safely: no Python tags, no duplicate keys, no alias bombs, errors with lines."""

from __future__ import annotations

import pytest
import yaml
from pydantic import BaseModel

from allocate.core.errors import InputError, Problem
from allocate.io import yamlfile
from allocate.io.yamlfile import MAX_YAML_DEPTH, line_of, load_yaml, validate_model


def _write(tmp_path, text: str | bytes):
    path = tmp_path / "x.yaml"
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def _problem(path) -> Problem:
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert len(info.value.problems) == 1
    return info.value.problems[0]


def test_load_yaml_returns_data_and_nodes(tmp_path):
    data, node = load_yaml(_write(tmp_path, "a: 1\nb:\n  - x\n  - y\n"))
    assert data == {"a": 1, "b": ["x", "y"]}
    assert isinstance(node, yaml.MappingNode)
    assert line_of(node, ("b", 1)) == 4
    assert line_of(node, ("b",)) == 2
    assert line_of(node, ("missing",)) == 1  # falls back to the deepest node found
    assert line_of(None, ("a",)) is None


def test_empty_file_is_none(tmp_path):
    assert load_yaml(_write(tmp_path, "# only a comment\n")) == (None, None)


def test_small_aliases_are_plain_yaml(tmp_path):
    data, _ = load_yaml(_write(tmp_path, "base: &b {x: 1}\ncopy: *b\n"))
    assert data["copy"] == {"x": 1}


def test_alias_bomb_is_refused(tmp_path):
    # each level repeats the previous one ten times: 10^7 values once expanded
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 7)]
    p = _problem(_write(tmp_path, "\n".join(lines) + "\n"))
    assert "aliases expand to more than 1,000,000 values" in p.message


def test_python_tag_is_refused_never_run(tmp_path):
    p = _problem(_write(tmp_path, "a: !!python/object/apply:os.system ['echo hacked']\n"))
    assert p.message == "invalid YAML: unsafe or unknown YAML tag (only plain YAML is allowed)"
    assert p.row == 1


def test_duplicate_key_names_both_rows(tmp_path):
    p = _problem(_write(tmp_path, "a: 1\nb: 2\na: 3\n"))
    assert (p.row, p.column, p.message) == (3, "a", "key 'a' is given twice (first on row 1)")


def test_syntax_error_has_a_row(tmp_path):
    p = _problem(_write(tmp_path, "a: 1\nb: [1, 2\nc: 3\n"))
    assert p.message.startswith("invalid YAML") and p.row is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a: 1\n".encode("utf-16"), "the file is UTF-16; save it as UTF-8"),
        (b"a: \x00\x01", "this looks like a binary file, not YAML text"),
        (b"a: 1\nb: \xe9\n", "not valid UTF-8 text"),
        ("[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1), "brackets are nested 1,001 deep (at most 1,000)"),
    ],
)
def test_refused_bytes(tmp_path, content, message):
    assert _problem(_write(tmp_path, content)).message == message


def test_oversized_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(yamlfile, "MAX_YAML_BYTES", 10)
    assert (
        _problem(_write(tmp_path, "a: 12345678901\n")).message
        == "YAML file is 15 bytes, larger than the limit of 10 bytes"
    )


def test_oversized_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """Issue 14 item 9: a 64 MB file (sparse: no disk used) over a 1 KB limit is refused from
    its size; reading it whole first (as before) would allocate its 64 MB."""
    import tracemalloc

    monkeypatch.setattr(yamlfile, "MAX_YAML_BYTES", 1024)
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:
        fh.truncate(64 * 2**20)
    tracemalloc.start()
    try:
        p = _problem(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert p.message == "YAML file is 64 MB, larger than the limit of 1,024 bytes"
    assert peak < 4 * 2**20


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [*a]\n",  # a list that holds itself
        "a: &a {b: *a}\n",  # a mapping that holds itself
        "x: &x\n  y: [1, {z: *x}]\n",  # two levels down
        "&k {*k : 1}\n",  # the alias is a key of the mapping it names
    ],
)
def test_recursive_alias_is_refused_at_once(tmp_path, text):
    """Issue 14 item 7: these looped forever (the walk kept re-entering the open node)."""
    p = _problem(_write(tmp_path, text))
    assert "recursive alias" in p.message and p.row is not None


def test_utf8_bom_is_accepted(tmp_path):
    assert load_yaml(_write(tmp_path, b"\xef\xbb\xbfa: 1\n"))[0] == {"a": 1}


class _Model(BaseModel):
    name: str
    size: int


def test_validate_model_names_line_and_field(tmp_path):
    path = _write(tmp_path, "name: box\nsize: big\n")
    data, node = load_yaml(path)
    with pytest.raises(InputError) as info:
        validate_model(_Model, data, node, path)
    (p,) = info.value.problems
    assert (p.row, p.column) == (2, "size")
    assert "valid integer" in p.message


def test_validate_model_ok_and_empty(tmp_path):
    path = _write(tmp_path, "name: box\nsize: 3\n")
    assert validate_model(_Model, *load_yaml(path), path) == _Model(name="box", size=3)
    with pytest.raises(InputError, match="the file is empty"):
        validate_model(_Model, None, None, path)
