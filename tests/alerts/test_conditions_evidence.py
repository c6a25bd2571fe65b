"""The evidence JSON of findings: sentences in order per account, numbers rounded, strings escaped."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from lodestar.alerts.conditions.evidence import rounded, sentences, signed, texts
from lodestar.alerts.conditions.outcome import Sentences


def test_each_account_gets_its_sentences_in_order_with_values_made_json() -> None:
    keep = np.array([True, False, True, True])
    first = Sentences.where(
        "a %(n)s %(x)s", np.array([True, True, True, False]), n=np.array([35.46, 1.0, 123.4, 0]), x=7
    )
    names = ['Zhou "ZJ" Jie\\', "Li\nNa", "王芳"]
    second = Sentences(
        "b %(name)s %(role)s",
        np.array([3, 0, 3]),
        {"name": names, "role": [{"msgid": "Champion"}, "cto", {"msgid": "Champion"}]},
    )
    positions, evidence = texts([first, second], keep)
    assert positions.tolist() == [0, 2, 3]
    parsed = [json.loads(e) for e in evidence.to_pylist()]
    assert parsed == [
        [
            {"msgid": "a %(n)s %(x)s", "values": {"n": 35.5, "x": 7}},
            {"msgid": "b %(name)s %(role)s", "values": {"name": "Li\nNa", "role": "cto"}},
        ],
        [{"msgid": "a %(n)s %(x)s", "values": {"n": 123, "x": 7}}],
        [
            {
                "msgid": "b %(name)s %(role)s",
                "values": {"name": 'Zhou "ZJ" Jie\\', "role": {"msgid": "Champion"}},
            },
            {"msgid": "b %(name)s %(role)s", "values": {"name": "王芳", "role": {"msgid": "Champion"}}},
        ],
    ]
    assert [str(s) for s in sentences(evidence[2].as_py())] == [
        'b Zhou "ZJ" Jie\\ Champion',
        "b 王芳 Champion",
    ]


def test_numbers_read_sensibly() -> None:
    assert rounded(np.array([123.456, 12.345, 1.2345, -0.004, np.nan])).tolist()[:4] == [
        123.0,
        12.3,
        1.23,
        -0.0,
    ]
    assert signed(np.array([17.0, -12.46, 0.0, -50.0]), "%").to_pylist() == ["+17%", "−12.5%", "±0%", "−50%"]
    _, evidence = texts([Sentences("%(v)s", np.array([0]), {"v": np.array([np.nan])})], np.array([True]))
    assert evidence.to_pylist() == ['[{"msgid": "%(v)s", "values": {"v": null}}]']
    assert texts([], np.array([False, True]))[1] == pa.array(["[]"])
