"""compiler.hcl: exact layouts, plus property tests in which Terraform itself is the oracle.

Each hypothesis example is a whole batch of values rendered into one file, so one
terraform process checks dozens of values and the file runs in a few seconds.
"""

from __future__ import annotations

import ast
import base64
import json
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.hcl import Attr, Block, Comment, Expr, Value, attrs, jsonencode, quote, render


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- terraform


@dataclass(frozen=True)
class Terraform:
    binary: str | None
    workdir: Path
    env: dict[str, str] = field(repr=False)

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        if self.binary is None:  # must fail, never skip: the serialiser is unproven without it
            pytest.fail("terraform must be on PATH to test the HCL serialiser")
        return subprocess.run(
            [self.binary, *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=self.workdir,
            env=self.env,
            timeout=120,
            check=False,
        )

    def assert_fmt_clean(self, text: str) -> None:
        done = self.run("fmt", "-no-color", "-", stdin=text)
        assert done.returncode == 0, done.stderr
        assert done.stdout == text

    def evaluate(self, config: str, expression: str) -> Any:
        """`expression` evaluated in a module made of `config`, decoded from JSON."""
        (self.workdir / "main.tf").write_text(config, encoding="utf-8")
        # base64 keeps console's own string quoting out of the way.
        done = self.run("console", "-no-color", stdin=f"base64encode(jsonencode({expression}))\n")
        assert done.returncode == 0, done.stderr
        return json.loads(base64.b64decode(json.loads(done.stdout)))

    def validate(self, config: str) -> list[dict[str, Any]]:
        (self.workdir / "main.tf").write_text(config, encoding="utf-8")
        done = self.run("validate", "-json", "-no-color")
        diagnostics: list[dict[str, Any]] = json.loads(done.stdout)["diagnostics"]
        return diagnostics


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    root = tmp_path_factory.mktemp("terraform")
    (root / "empty.tfrc").write_text("")
    (root / "module").mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TF_")}
    env |= {
        "TF_CLI_CONFIG_FILE": str(root / "empty.tfrc"),
        "TF_DATA_DIR": str(root / "data"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }
    return Terraform(shutil.which("terraform"), root / "module", env)


# --------------------------------------------------------------------------- layout


def test_equals_align_per_run_of_single_line_attributes() -> None:
    body = [
        Attr("a", 1),
        Attr("bbbb", "x"),
        Attr("tags", {"Name": "n"}),
        Attr("c", True),
        Attr("dd", Expr("var.region")),
        Attr("list", [1, 2]),
    ]
    assert render([Block("locals", (), body)]) == (
        "locals {\n"
        "  a    = 1\n"
        '  bbbb = "x"\n'
        "  tags = {\n"
        '    Name = "n"\n'
        "  }\n"
        "  c    = true\n"
        "  dd   = var.region\n"
        "  list = [1, 2]\n"
        "}\n"
    )


def test_multi_line_value_ends_the_run_on_both_sides() -> None:
    text = render([Block("locals", (), attrs({"a": 1, "long_name": {"k": 1}, "bb": 2}))])
    assert text == "locals {\n  a = 1\n  long_name = {\n    k = 1\n  }\n  bb = 2\n}\n"


def test_nested_blocks_are_set_off_by_blank_lines() -> None:
    resource = Block(
        "resource",
        ("aws_s3_bucket", "logs"),
        [
            Attr("bucket", "logs"),
            Block("versioning", (), [Attr("enabled", True)]),
            Block("rule", ("a", "b")),
            Attr("force_destroy", False),
        ],
    )
    assert render([Block("terraform"), resource]) == (
        "terraform {}\n"
        "\n"
        'resource "aws_s3_bucket" "logs" {\n'
        '  bucket = "logs"\n'
        "\n"
        "  versioning {\n"
        "    enabled = true\n"
        "  }\n"
        "\n"
        '  rule "a" "b" {}\n'
        "\n"
        "  force_destroy = false\n"
        "}\n"
    )


def test_comments_stand_apart_and_are_fmt_clean(terraform: Terraform) -> None:
    resource = Block("resource", ("aws_s3_bucket", "b"), [
        Comment("checkov:skip=CKV_AWS_144: replication is configured by a separate stack"),
        Attr("bucket", "b"),
        Attr("force_destroy", False),
        Comment("two\nlines"),
    ])
    text = render([resource])
    assert text == (
        'resource "aws_s3_bucket" "b" {\n'
        "  # checkov:skip=CKV_AWS_144: replication is configured by a separate stack\n"
        "\n"
        '  bucket        = "b"\n'
        "  force_destroy = false\n"
        "\n"
        "  # two\n"
        "  # lines\n"
        "}\n"
    )
    terraform.assert_fmt_clean(text)
    with pytest.raises(ValueError, match="control characters"):
        Comment("bad\rcomment")


def test_labels_are_quoted_the_way_fmt_requotes_them() -> None:
    # fmt rewrites labels with Go's quoting: everything unicode.IsPrint rejects is escaped.
    label = 'a "b"\\\n\t\u00a0\u200d\u2028é日'
    expected = r'x "a \"b\"\\\n\t\u00a0\u200d\u2028é日" {}'
    assert render([Block("x", (label,))]) == expected + "\n"
    for bad in ("${a}", "50%", "$"):
        with pytest.raises(ValueError, match="deletes"):
            Block("x", (bad,))


def test_render_file_framing() -> None:
    assert render([]) == ""
    text = render([Attr("region", "eu-west-1"), Attr("n", 3)])
    assert text == 'region = "eu-west-1"\nn      = 3\n'


def test_tuples() -> None:
    long = ["subnet-0123456789abcdef"] * 4
    value: Value = {"empty": [], "short": ("a", 1), "long": long, "nested": [[], [1], {"k": "v"}]}
    assert render([Attr("v", value)]) == (
        "v = {\n"
        "  empty = []\n"
        "  long = [\n"
        '    "subnet-0123456789abcdef",\n'
        '    "subnet-0123456789abcdef",\n'
        '    "subnet-0123456789abcdef",\n'
        '    "subnet-0123456789abcdef",\n'
        "  ]\n"
        "  nested = [\n"
        "    [],\n"
        "    [1],\n"
        "    {\n"
        '      k = "v"\n'
        "    },\n"
        "  ]\n"
        '  short = ["a", 1]\n'
        "}\n"
    )


def test_objects_sort_and_quote_keys() -> None:
    value: Value = {"zeta": 1, "kubernetes.io/role": 2, "Alpha": {}, "for": 3, "null": 4, "a-b": 5}
    assert render([Attr("o", value)]) == (
        "o = {\n"
        "  Alpha                = {}\n"
        "  a-b                  = 5\n"
        '  "for"                = 3\n'
        '  "kubernetes.io/role" = 2\n'
        '  "null"               = 4\n'
        "  zeta                 = 1\n"
        "}\n"
    )
    assert render([Attr("o", {})]) == "o = {}\n"


def test_scalars() -> None:
    body = attrs({"n": None, "t": True, "f": False, "i": -42, "x": 0.1, "e": 1e16, "s": "s"})
    assert render(body) == (
        "n = null\nt = true\nf = false\ni = -42\nx = 0.1\ne = 1e+16\ns = " + '"s"\n'
    )


def test_expr_is_verbatim_and_multi_line_expr_is_reindented() -> None:
    merged = Expr("merge(\n  var.tags,\n  local.extra,\n)")
    body = [Attr("arn", Expr("aws_kms_key.main.arn")), Attr("tags", merged)]
    assert render([Block("module", ("m",), body)]) == (
        'module "m" {\n'
        "  arn = aws_kms_key.main.arn\n"
        "  tags = merge(\n"
        "    var.tags,\n"
        "    local.extra,\n"
        "  )\n"
        "}\n"
    )


@pytest.mark.parametrize("text", ["", " var.a", "var.a\n", "a ?\n  b : c"])
def test_expr_rejects_text_fmt_would_change(text: str) -> None:
    with pytest.raises(ValueError):
        Expr(text)


def test_jsonencode_policy() -> None:
    policy: Value = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": "arn:aws:s3:::b/${aws:username}/*",
            }
        ],
    }
    body = [Attr("policy", jsonencode(policy)), Attr("empty", jsonencode({}))]
    assert render([*body, Attr("s", jsonencode(["a"]))]) == (
        "policy = jsonencode({\n"
        "  Statement = [\n"
        "    {\n"
        '      Action   = ["s3:GetObject"]\n'
        '      Effect   = "Allow"\n'
        '      Resource = "arn:aws:s3:::b/$${aws:username}/*"\n'
        "    },\n"
        "  ]\n"
        '  Version = "2012-10-17"\n'
        "})\n"
        "empty = jsonencode({})\n"
        's     = jsonencode(["a"])\n'
    )


@pytest.mark.parametrize(
    ("raw", "literal"),
    [
        ('say "hi"', r'"say \"hi\""'),
        ("C:\\dir", r'"C:\\dir"'),
        ("${var.x}", '"$${var.x}"'),
        ("%{ if x }", '"%%{ if x }"'),
        ("$${x}", '"$$${x}"'),
        ("$ and % alone {", '"$ and % alone {"'),
        ("a\nb\rc\td", r'"a\nb\rc\td"'),
        ("\x00\x1b\x7f\x85", r'"\u0000\u001b\u007f\u0085"'),
        ("é 日本 🙂 \u2028", '"é 日本 🙂 \u2028"'),
        ("e\u0301", '"é"'),  # NFC, exactly as HCL itself reads it
    ],
)
def test_quote_escaping(raw: str, literal: str) -> None:
    assert quote(raw) == literal


def test_quoted_keys_escape_characters_that_fuse_into_one_grapheme() -> None:
    value = {"x\u0e33": 1, "\U0001f1eb\U0001f1f7": 2, "e\u0301": 3, "\u200d": 4}
    assert render([Attr("o", value)]) == (
        "o = {\n"
        '  "x\\u0e33"              = 1\n'
        '  "é"                    = 3\n'
        '  "\\u200d"               = 4\n'
        '  "\\U0001f1eb\\U0001f1f7" = 2\n'
        "}\n"
    )


@pytest.mark.parametrize("name", ["", "1a", "a b", "a.b", "é", "-a", "a\n"])
def test_identifiers_are_validated(name: str) -> None:
    with pytest.raises(ValueError):
        Attr(name, 1)
    with pytest.raises(ValueError):
        Block(name)


def test_rejects_what_hcl_cannot_say() -> None:
    with pytest.raises(ValueError, match="collide"):
        render([Attr("o", {"é": 1, "e\u0301": 2})])
    with pytest.raises(ValueError):
        render([Attr("x", float("nan"))])
    with pytest.raises(ValueError):
        quote("\ud800")
    with pytest.raises(ValueError):
        Block("output", ("\udfff",))
    with pytest.raises(TypeError):
        render([Attr("x", {1: "a"})])  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        render([Attr("x", b"bytes")])  # a Sequence[int] to mypy, but surely a mistake
    with pytest.raises(TypeError):
        render(["nope"])  # type: ignore[list-item]


def test_sample_file_passes_fmt_check(terraform: Terraform) -> None:
    sample = [
        Block(
            "resource",
            ("aws_iam_policy", 'odd "label"\t\u00a0\u200d'),
            [
                Attr("name", "p"),
                Attr("policy", jsonencode({"Statement": [{"Action": "*", "Effect": "Deny"}]})),
                Attr("tags", {"Name": "x", "kubernetes.io/role": "é\u0e33"}),
                Block("lifecycle", (), [Attr("ignore_changes", [Expr("tags")])]),
            ],
        )
    ]
    (terraform.workdir / "main.tf").write_text(render(sample), encoding="utf-8")
    done = terraform.run("fmt", "-check", "-no-color", "main.tf")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_key_widths_match_terraform_for_a_sweep_of_unicode(terraform: Terraform) -> None:
    # terraform fmt pads `=` by grapheme clusters. A sweep of code points plus every known
    # fusing character, each between ASCII neighbours, must align exactly and read back.
    fusing = "\u0d4e\u0e33\u0eb3\u1100\u1161\u11a8\uff9e\U000111c2\U0001f1e6\U0001f3fb\u0301"
    sweep = [chr(c) for c in range(0xA0, 0x30000, 61) if unicodedata.category(chr(c)) != "Cn"]
    keys = [f"x{char}y" for char in [*fusing, *sweep] if unicodedata.category(char) != "Cs"]
    value = {key: index for index, key in enumerate(keys)}
    config = render([Block("locals", (), [Attr("o", value)])])
    terraform.assert_fmt_clean(config)
    assert terraform.evaluate(config, "local.o") == {_nfc(key): i for key, i in value.items()}


# --------------------------------------------------------------------------- properties

_PROPERTY = settings(
    max_examples=15,
    deadline=None,
    database=None,  # keep .hypothesis/ out of the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_FRAGMENTS = [
    '"', "\\", "${", "%{", "$${", "%%{", "$", "%", "{", "}", "\\n", "\n", "\r\n", "\t",
    "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\u200d", "é", "e\u0301",
    "\u1100\u1161", "\u11a8", "\U0001f1eb\U0001f1f7", "\U0001f44d\U0001f3fd", "\u0e33",
    "日本語", "a", " ",
]  # fmt: skip
# Unassigned code points are left out: Go may know newer Unicode than this Python, and
# the two would then disagree on NFC and grapheme clusters.
_CHARS = st.characters(exclude_categories=("Cs", "Cn"))
hostile_text = st.lists(st.sampled_from(_FRAGMENTS) | st.text(_CHARS, max_size=4), max_size=6).map(
    "".join
)
identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,14}", fullmatch=True)
scalars = (
    hostile_text
    | st.booleans()
    | st.none()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
)
keys = hostile_text | identifiers | st.sampled_from(["for", "true", "null", "if", "in"])


def _unique_after_nfc(obj: Mapping[str, Value]) -> bool:
    return len({_nfc(key) for key in obj}) == len(obj)


values: st.SearchStrategy[Value] = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(keys, children, max_size=4).filter(_unique_after_nfc)
    ),
    max_leaves=12,
)


def _same(expected: object, actual: object) -> bool:
    """Strict equality between a Python value and what Terraform's jsonencode returned."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, int):
        return type(actual) is int and actual == expected
    if isinstance(expected, float):
        # Terraform prints numbers exactly, so 3.0 comes back as 3 and 1e300 as a long int.
        numeric = isinstance(actual, int | float) and not isinstance(actual, bool)
        return numeric and float(actual) == expected  # type: ignore[arg-type]
    if isinstance(expected, str):
        return actual == _nfc(expected)
    if isinstance(expected, Mapping):
        return (
            isinstance(actual, dict)
            and set(actual) == {_nfc(key) for key in expected}
            and all(_same(item, actual[_nfc(key)]) for key, item in expected.items())
        )
    assert isinstance(expected, Sequence)
    return (
        isinstance(actual, list)
        and len(actual) == len(expected)
        and all(_same(e, a) for e, a in zip(expected, actual, strict=True))
    )


@_PROPERTY
@given(
    st.lists(
        st.tuples(st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True), values),
        min_size=1,
        max_size=20,
        unique_by=lambda pair: pair[0],
    )
)
def test_values_are_fmt_clean_and_read_back_identical(
    terraform: Terraform, named: list[tuple[str, Value]]
) -> None:
    config = render([Block("locals", (), [Attr(name, value) for name, value in named])])
    terraform.assert_fmt_clean(config)
    expression = "[" + ", ".join(f"local.{name}" for name, _ in named) + "]"
    actual = terraform.evaluate(config, expression)
    expected = [value for _, value in named]
    assert _same(expected, actual), (expected, actual)


def _body_items(children: st.SearchStrategy[Block]) -> st.SearchStrategy[list[Attr | Block]]:
    attributes = st.builds(Attr, identifiers, values | st.builds(jsonencode, values))
    return st.lists(
        attributes | children,
        max_size=6,
        unique_by=lambda item: item.name if isinstance(item, Attr) else id(item),
    )


label_text = hostile_text.map(lambda text: text.replace("$", "").replace("%", ""))
labels = st.lists(label_text, max_size=2).map(tuple)
blocks: st.SearchStrategy[Block] = st.recursive(
    st.builds(Block, identifiers, labels),
    lambda children: st.builds(Block, identifiers, labels, _body_items(children)),
    max_leaves=8,
)


@_PROPERTY
@given(st.lists(blocks, min_size=1, max_size=5))
def test_nested_bodies_are_fmt_fixed_points(terraform: Terraform, tree: list[Block]) -> None:
    terraform.assert_fmt_clean(render(tree))


_DUPLICATE = re.compile(r'An output named (".*") was already defined at .*')


@_PROPERTY
@given(st.lists(label_text, min_size=1, max_size=20, unique_by=_nfc))
def test_labels_are_fmt_clean_and_read_back_identical(
    terraform: Terraform, names: list[str]
) -> None:
    # Terraform quotes an output's decoded name (Go %q) when it is declared twice, which
    # lets Terraform itself tell us what each label parsed to.
    outputs = [Block("output", (name,), [Attr("value", 0)]) for name in names for _ in "ab"]
    config = render(outputs)
    terraform.assert_fmt_clean(config)
    details = [d["detail"] for d in terraform.validate(config)]
    decoded = [
        ast.literal_eval(match.group(1))
        for match in map(_DUPLICATE.fullmatch, details)
        if match is not None
    ]
    assert sorted(decoded) == sorted(_nfc(name) for name in names)
