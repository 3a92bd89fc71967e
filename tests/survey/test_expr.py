import pytest

from survey import expr


def ev(src, answers=None, dot=None):
    return expr.evaluate(expr.parse(src), answers or {}, dot)


def test_comparisons_and_logic():
    a = {"x": "ja", "age": "42", "multi": "gaeld;psykisk"}
    assert ev("${x} = 'ja'", a)
    assert not ev("${x} != 'ja'", a)
    assert ev("${age} >= 40 and ${age} < 50", a)
    assert ev("${age} > 50 or ${x} = 'ja'", a)
    assert not ev("(${age} > 50 or ${x} = 'nej') and ${x} = 'ja'", a)
    assert ev("selected(${multi}, 'psykisk')", a)
    assert not ev("selected(${multi}, 'spil')", a)
    assert ev("not(selected(${multi}, 'spil'))", a)


def test_numbers_compare_as_numbers_and_blank_ordering_is_false():
    assert ev("${n} > 9", {"n": "10"})          # not string order ("10" < "9")
    assert ev("${n} = 2", {"n": "2.0"})
    assert not ev("${n} > 1", {})               # blank is never ordered
    assert not ev("${n} < 1", {})
    assert ev("${n} = ''", {})                  # blank equals the empty string
    assert ev("${n} != ''", {"n": "x"})


def test_dot_is_own_value():
    assert ev(". >= 16 and . <= 110", dot="16")
    assert not ev(". >= 16 and . <= 110", dot="111")


def test_references():
    assert expr.references(expr.parse("${a} = 'x' and selected(${b}, 'y') or not(${c} > 1)")) == {"a", "b", "c"}


@pytest.mark.parametrize("src, fragment", [
    ("count-selected(${x}) > 1", "count-selected"),
    ("${x} + 1 = 2", "+"),
    ("concat(${a}, 'b') = 'x'", "concat"),
    ("${x} = 'ja' and", "slutter for tidligt"),
    ("${x} = = 'ja'", "uventet"),
    ("${1x} = 'ja'", "ugyldig henvisning"),
    ("", "tomt udtryk"),
    ("1 < 2 < 3", "to sammenligninger"),
    ("selected('a', 'b')", "første argument"),
])
def test_unsupported_is_refused_with_a_clear_message(src, fragment):
    with pytest.raises(expr.ExprError) as e:
        expr.parse(src)
    assert fragment in str(e.value)
