"""The suite's own test order (tests/conftest.py): spreading the waiting tests loses and repeats none."""

from tests.conftest import _spread


def test_spreading_keeps_every_test_once_and_each_list_in_its_order():
    waiting, among = ["w1", "w2", "w3"], [f"c{n}" for n in range(10)]
    spread = _spread(waiting, among, 0.5)
    assert sorted(spread) == sorted(waiting + among)
    assert [item for item in spread if item.startswith("w")] == waiting
    assert [item for item in spread if item.startswith("c")] == among
    assert spread.index("w3") < spread.index("c5")  # all waiting ones within the first half


def test_nothing_waiting_or_nothing_to_spread_among_keeps_the_other_list_whole():
    assert _spread([], ["c1", "c2", "c3", "c4"], 0.75) == ["c1", "c2", "c3", "c4"]
    assert _spread(["w1", "w2"], [], 0.75) == ["w1", "w2"]
